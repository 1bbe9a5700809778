// The tail-call chain under BPF_PROG_RUN: the root enters slot 0, each stage continues on
// a chain verdict (XDP_PASS) and stops on anything else; empty slots are skipped.
#include <gtest/gtest.h>

#include <deque>
#include <optional>

#include <xdpkit/chain.h>

#include "core/families/families.h"
#include "core/attach/chain.h"
#include "core/attach/counters.h"
#include "core/attach/program.h"
#include "support/packet.h"
#include "support/prog_run.h"

namespace xdpkit {
namespace {

constexpr uint32_t XDP_DROP_ = 1, XDP_PASS_ = 2;

LoadedProgram must(Result<LoadedProgram> r) {
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(r).value();
}

class ChainTest : public ::testing::Test {
protected:
    void SetUp() override { root_.emplace(must(load_chain_root())); }

    int chain_fd() const { return bpf_map__fd(root_->map(XDPKIT_CHAIN_MAP)); }

    LoadedProgram& add(const Family& f, uint32_t slot, ParamValues params = {}) {
        stages_.push_back(must(load_program(f, {params, chain_fd(), slot})));
        const int fd = stages_.back().prog_fd();
        EXPECT_EQ(bpf_map_update_elem(chain_fd(), &slot, &fd, BPF_ANY), 0);
        return stages_.back();
    }

    uint64_t verdict_count(const LoadedProgram& p, uint32_t verdict) {
        auto r = read_datarecs(bpf_map__fd(p.map(XDPKIT_ACTION_COUNTERS_MAP)));
        EXPECT_TRUE(r);
        return r ? (*r)[verdict].packets : 0;
    }

    uint32_t run_root() {
        const auto r = test::run_xdp(root_->prog_fd(),
                                     test::Packet().eth().ipv4().udp().payload(10).bytes());
        EXPECT_EQ(r.err, 0);
        return r.verdict;
    }

    std::optional<LoadedProgram> root_;
    std::deque<LoadedProgram> stages_;
};

TEST_F(ChainTest, EmptyChainPasses) { EXPECT_EQ(run_root(), XDP_PASS_); }

TEST_F(ChainTest, BothStagesRunWhenTheFirstPasses) {
    auto& first = add(drop_family(), 0, {{"action", "pass"}});
    auto& second = add(pass_family(), 1);
    EXPECT_EQ(run_root(), XDP_PASS_);
    EXPECT_EQ(verdict_count(first, XDP_PASS_), 1u);
    EXPECT_EQ(verdict_count(second, XDP_PASS_), 1u);
}

TEST_F(ChainTest, DropEndsTheChain) {
    auto& first = add(drop_family(), 0, {{"action", "drop"}});
    auto& second = add(pass_family(), 1);
    EXPECT_EQ(run_root(), XDP_DROP_);
    EXPECT_EQ(verdict_count(first, XDP_DROP_), 1u);
    EXPECT_EQ(verdict_count(second, XDP_PASS_), 0u);
}

TEST_F(ChainTest, EmptySlotsAreSkipped) {
    auto& first = add(pass_family(), 0);
    auto& last = add(drop_family(), XDPKIT_CHAIN_MAX_STAGES - 1, {{"action", "drop"}});
    EXPECT_EQ(run_root(), XDP_DROP_);
    EXPECT_EQ(verdict_count(first, XDP_PASS_), 1u);
    EXPECT_EQ(verdict_count(last, XDP_DROP_), 1u);
}

TEST_F(ChainTest, StageRunAloneReturnsItsVerdict) {
    auto& stage = add(pass_family(), 0);
    const auto r = test::run_xdp(stage.prog_fd(), test::Packet().eth().ipv6().tcp().bytes());
    EXPECT_EQ(r.err, 0);
    EXPECT_EQ(r.verdict, XDP_PASS_);
}

}  // namespace
}  // namespace xdpkit
