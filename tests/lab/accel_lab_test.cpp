// accel live: ESP sent from the peer reaches the ipsec program on veth0, which steers the
// SA's packets to the engine's AF_XDP socket; the engine verifies and decrypts them and
// forwards the inner UDP datagrams out of veth2 to a socket in a third namespace — checked
// datagram by datagram — or drops them, or runs a program on them. Tampered and replayed
// packets never come out. When the engine stops, what it set up is gone; bad input changes
// nothing.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "core/ipsec/esp_encap.h"
#include "core/base/fd.h"
#include "core/ipsec/ipsec_sa.h"
#include "core/kernel/netns.h"
#include "core/packets/pcap_file.h"
#include "lab/background_run.h"
#include "lab/lab.h"
#include "lab/lab_asserts.h"
#include "support/packet.h"
#include "support/temp_dir.h"

namespace xdpkit::test {
namespace {

using nlohmann::json;

constexpr const char* kSinkDut = "198.18.1.1";   // veth2, the engine's output
constexpr const char* kSinkHost = "198.18.1.2";  // veth3, in the sink namespace
constexpr uint16_t kSinkPort = 40000;
constexpr int kPackets = 200;

// Fixed test keys: never for real traffic.
constexpr const char* kSaLine =
    "--spi 0x1000 --dst 198.18.0.1 --action drop --cipher aes-cbc-128 --auth hmac-sha1-96 "
    "--key 000102030405060708090a0b0c0d0e0f --auth-key 101112131415161718191a1b1c1d1e1f20212223";

std::string payload_of(int i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "accel-lab %05d", i);
    return buf;
}

// The inner packet: IPv4/UDP from the DUT's sink-side address to the sink's socket (UDP
// checksum 0: none, which IPv4 allows), payload naming the packet.
std::vector<uint8_t> inner_packet(int i) {
    const std::string text = payload_of(i);
    std::vector<uint8_t> ip =
        Packet().ipv4(kSinkDut, kSinkHost).udp(5555, kSinkPort).payload(text.size()).bytes();
    std::copy(text.begin(), text.end(), ip.end() - static_cast<long>(text.size()));
    return ip;
}

CapturedFrame captured(std::vector<uint8_t> bytes) {
    CapturedFrame f;
    f.wire_len = static_cast<uint32_t>(bytes.size());
    f.data = std::move(bytes);
    return f;
}

class AccelLab : public ::testing::Test {
protected:
    void SetUp() override {
        sink_ = unique_lab_prefix() + "-sink";
        add_lab_netns(sink_);
        ip_or_throw({"-n", lab.dut_ns(), "link", "add", "veth2", "type", "veth", "peer", "name",
                     "veth3", "netns", sink_});
        ip_or_throw({"-n", lab.dut_ns(), "addr", "add", std::string(kSinkDut) + "/24", "dev", "veth2"});
        ip_or_throw({"-n", sink_, "addr", "add", std::string(kSinkHost) + "/24", "dev", "veth3"});
        ip_or_throw({"-n", lab.dut_ns(), "link", "set", "veth2", "up"});
        ip_or_throw({"-n", sink_, "link", "set", "veth3", "up"});

        std::ofstream(dir.file("sa.txt")) << kSaLine << "\n";
        auto sas = read_sa_file(dir.file("sa.txt"));
        ASSERT_TRUE(sas) << sas.error().message;
        sa_ = sas->front();
        // kPackets good ones, then one with a flipped ciphertext bit, then a replay of the
        // last good one (inside the window: a replay, not too old).
        std::vector<CapturedFrame> frames;
        for (int i = 1; i <= kPackets + 1; ++i) {
            EspTunnelSpec spec;
            auto outer = parse_ip(Lab::kPeerIp4);
            ASSERT_TRUE(outer);
            spec.outer_src = *outer;
            spec.seq = static_cast<uint32_t>(i);
            auto f = esp_tunnel_frame(sa_, spec, inner_packet(i));
            ASSERT_TRUE(f) << f.error().message;
            if (i == kPackets + 1) (*f)[f->size() - 20] ^= 0x01;  // tampered: auth-fail
            if (i == kPackets) last_good_ = *f;
            frames.push_back(captured(std::move(*f)));
        }
        frames.push_back(captured(last_good_));  // replayed
        ASSERT_TRUE(write_pcap(dir.file("esp.pcap"), frames));
    }
    void TearDown() override { remove_lab_netns(sink_); }

    // A UDP socket bound in the sink namespace (the socket keeps its namespace after the
    // thread comes back).
    Fd sink_socket() {
        auto guard = NetnsGuard::enter(sink_);
        EXPECT_TRUE(guard) << guard.error().message;
        Fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(kSinkPort);
        ::inet_pton(AF_INET, kSinkHost, &a.sin_addr);
        EXPECT_EQ(::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
        timeval tv{2, 0};
        ::setsockopt(s.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        return s;
    }
    // Every datagram until none comes for 2 s.
    static std::vector<std::string> receive_all(const Fd& s) {
        std::vector<std::string> got;
        char buf[2048];
        for (;;) {
            const ssize_t n = ::recv(s.get(), buf, sizeof buf, 0);
            if (n < 0) return got;
            got.emplace_back(buf, static_cast<size_t>(n));
        }
    }
    void send_capture() {
        const auto r = lab.peer_xdpkit({"trafficgen", "veth1", "--pcap", dir.file("esp.pcap"),
                                        "--count", std::to_string(kPackets + 2)});
        ASSERT_EQ(r.status, 0) << r.err;
    }
    json sa_list() {
        const auto r = lab.xdpkit({"--json", "ipsec", "sa", "list"});
        EXPECT_EQ(r.status, 0) << r.err;
        return json::parse(r.out).at("sas");
    }
    std::string sad_dir() const { return "/sys/fs/bpf/xdpkit/" + lab.dut_ns() + "/ipsec:sad"; }
    static bool exists(const std::string& p) {
        struct stat st{};
        return ::stat(p.c_str(), &st) == 0;
    }
    // The run's final counts, checked for what every run must show.
    json stop_and_check(BackgroundRun& run, uint64_t xdp_replays) {
        EXPECT_EQ(run.stop(SIGTERM), 0) << run.err();
        const json st = run.last("stopped");
        EXPECT_EQ(st.at("results").at("ok"), kPackets);
        EXPECT_EQ(st.at("results").at("auth-fail"), 1);
        // The replay is dropped by the XDP pre-check when the engine published the window
        // before it arrived, else by the engine's own check: once, in either place.
        EXPECT_EQ(st.at("results").at("replay").get<uint64_t>() + xdp_replays, 1u);
        EXPECT_TRUE(st.at("frames_audit_ok"));
        EXPECT_EQ(st.at("window_errors"), 0);
        EXPECT_GE(st.at("window_updates"), 1);
        // Everything the engine set up for the run is gone again.
        EXPECT_EQ(lab.status().at("prog_id"), 0) << lab.status().dump();
        EXPECT_FALSE(exists(sad_dir()));
        return st;
    }

    TempDir dir;
    Lab lab;
    std::string sink_;
    SecurityAssociation sa_;
    std::vector<uint8_t> last_good_;
};

class AccelForward : public AccelLab, public ::testing::WithParamInterface<std::string> {};

TEST_P(AccelForward, InnerUdpPayloadsReachTheSinkSocket) {
    // The engine finds the sink's MAC in the DUT's neighbour table, as a router would.
    ASSERT_EQ(run_command({"ip", "netns", "exec", lab.dut_ns(), "ping", "-c", "1", "-W", "2",
                           kSinkHost}).status, 0);
    Fd sock = sink_socket();
    BackgroundRun run(lab.dut_ns(), {"accel", "veth0", "--backend", "ipsec-mb", "--sa-file",
                                     dir.file("sa.txt"), "--after", "forward:veth2",
                                     "--pattern", GetParam(), "--interval", "0.2"});
    ASSERT_TRUE(run.wait_for("started")) << run.err();
    const json started = run.last("started");
    EXPECT_EQ(started.at("sas").size(), 1u);
    EXPECT_TRUE(started.at("program_attached"));
    send_capture();

    const std::vector<std::string> got = receive_all(sock);
    std::set<std::string> distinct(got.begin(), got.end());
    std::set<std::string> want;
    for (int i = 1; i <= kPackets; ++i) want.insert(payload_of(i));
    EXPECT_EQ(got.size(), size_t(kPackets));  // no duplicate, nothing tampered came out
    EXPECT_EQ(distinct, want);

    const json sa = sa_list().at(0);
    // The engine's window, published: the tampered seq kPackets + 1 never moved it.
    EXPECT_EQ(sa.at("replay_top"), kPackets);
    const json st = stop_and_check(run, sa.at("counters").at("replay").get<uint64_t>());
    EXPECT_EQ(st.at("after").at("forwarded"), kPackets);
    EXPECT_EQ(st.at("after").at("forward_completed"), kPackets);
    EXPECT_EQ(st.at("after").at("no_neighbour"), 0);
}

INSTANTIATE_TEST_SUITE_P(Patterns, AccelForward, ::testing::Values("1", "2"),
                         [](const auto& info) { return "Pattern" + info.param; });

TEST_F(AccelLab, AfterDropCountsEveryPacketWithOpenssl) {
    BackgroundRun run(lab.dut_ns(), {"accel", "veth0", "--backend", "openssl", "--sa-file",
                                     dir.file("sa.txt"), "--pattern", "2", "--interval", "0.2"});
    ASSERT_TRUE(run.wait_for("started")) << run.err();
    send_capture();
    ASSERT_TRUE(run.wait_for("interval"));
    const json sa = sa_list().at(0);
    const json st = stop_and_check(run, sa.at("counters").at("replay").get<uint64_t>());
    EXPECT_EQ(st.at("after").at("dropped"), kPackets);
    EXPECT_EQ(st.at("after").at("forwarded"), 0);
}

// The program step obeys the program's verdict: drop protos=udp drops every inner datagram;
// drop protos=tcp passes them, and the forward step after it sends them on.
TEST_F(AccelLab, ProgramStepVerdictIsObeyed) {
    {
        BackgroundRun run(lab.dut_ns(), {"accel", "veth0", "--backend", "ipsec-mb", "--sa-file",
                                         dir.file("sa.txt"), "--after", "program:drop",
                                         "--param", "protos=udp", "--interval", "0.2"});
        ASSERT_TRUE(run.wait_for("started")) << run.err();
        send_capture();
        const json sa = sa_list().at(0);
        const json st = stop_and_check(run, sa.at("counters").at("replay").get<uint64_t>());
        EXPECT_EQ(st.at("after").at("program_drop"), kPackets);
        EXPECT_EQ(st.at("after").at("program_pass"), 0);
    }
    Fd sock = sink_socket();
    BackgroundRun run(lab.dut_ns(), {"accel", "veth0", "--backend", "ipsec-mb", "--sa-file",
                                     dir.file("sa.txt"), "--after", "program:drop", "--param",
                                     "protos=tcp", "--after", "forward:veth2", "--dst-mac",
                                     "02:00:00:00:00:01", "--interval", "0.2"});
    ASSERT_TRUE(run.wait_for("started")) << run.err();
    // A MAC that is not veth3's: the sink's stack drops the frames as other host's, so only
    // the engine's counters can be checked here — the point is that --dst-mac is used.
    send_capture();
    const json sa = sa_list().at(0);
    const json st = stop_and_check(run, sa.at("counters").at("replay").get<uint64_t>());
    EXPECT_EQ(st.at("after").at("program_pass"), kPackets);
    EXPECT_EQ(st.at("after").at("forwarded"), kPackets);
    EXPECT_EQ(receive_all(sock).size(), 0u);
}

// Each bad invocation: one line on stderr, exit non-zero, and the SA database and the
// program the user set up before are exactly as they were.
TEST_F(AccelLab, BadInputLeavesEverythingAsItWas) {
    auto r = lab.xdpkit({"ipsec", "sa", "add", "--spi", "0x2000", "--dst", Lab::kDutIp4,
                         "--action", "drop"});
    ASSERT_EQ(r.status, 0) << r.err;
    attach_ok(lab, {"ipsec", "veth0"});
    auto setup = [&] { return set_up_state(lab.status()); };
    const json before_status = setup();
    const json before_sas = sa_list();
    const std::string sa = dir.file("sa.txt");
    const std::vector<std::vector<std::string>> bad{
        {"accel", "nosuch0", "--backend", "openssl", "--sa-file", sa},
        {"accel", "veth0", "--backend", "qat", "--sa-file", sa},
        {"accel", "veth0", "--backend", "openssl", "--sa-file", sa, "--after", "forward:veth0"},
        {"accel", "veth0", "--backend", "openssl", "--sa-file", sa, "--after", "forward:nosuch9"},
        {"accel", "veth0", "--backend", "openssl", "--sa-file", sa, "--after", "bounce"},
        {"accel", "veth0", "--backend", "openssl", "--sa-file", sa, "--after", "program:nosuch"},
        {"accel", "veth0", "--backend", "openssl", "--sa-file", sa, "--queue", "5"},
        {"accel", "veth0", "--backend", "openssl", "--sa-file", sa, "--pattern", "3"},
        {"accel", "veth0", "--backend", "openssl"},  // the database's SA 0x2000 has no keys
        {"accel", "veth0", "--backend", "openssl", "--sa-file", dir.file("missing.txt")},
    };
    for (const auto& args : bad) {
        r = lab.xdpkit(args);
        std::string line;
        for (const auto& a : args) line += a + " ";
        EXPECT_NE(r.status, 0) << line;
        expect_one_error_line(r);
        EXPECT_EQ(setup(), before_status) << line;
        EXPECT_EQ(sa_list(), before_sas) << line;
    }
}

}  // namespace
}  // namespace xdpkit::test
