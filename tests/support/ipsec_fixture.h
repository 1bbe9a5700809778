// An ipsec program loaded alone with its own SA database, for the progs tests of the ESP
// pre-parse and of the inline action: run frames, read events and per-SA entries.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <xdpkit/ipsec.h>

#include "core/families/families.h"
#include "core/ipsec/ipsec_sad.h"
#include "support/loaded.h"
#include "support/prog_run.h"

namespace xdpkit::test {

inline SaDatabase must_db(Result<SaDatabase> r) {
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(r).value();
}

struct IpsecFixture {
    explicit IpsecFixture(std::vector<SecurityAssociation> sas, const std::string& unknown = "pass",
                          ParamValues more = {})
        : prog(load_alone(ipsec_family(), with_unknown_spi(std::move(more), unknown))),
          db(must_db(SaDatabase::of_program(prog))) {
        auto added = db.add(sas);
        if (!added) throw std::runtime_error(added.error().message);
    }
    RunResult run(const std::vector<uint8_t>& frame) {
        auto r = run_xdp(prog.prog_fd(), frame);
        if (r.err) throw std::runtime_error("BPF_PROG_RUN failed");
        return r;
    }
    uint32_t verdict(const std::vector<uint8_t>& frame) { return run(frame).verdict; }
    static ParamValues with_unknown_spi(ParamValues p, const std::string& unknown) {
        p["unknown-spi"] = unknown;
        return p;
    }
    uint64_t event(uint32_t ev) { return counters(prog, IPSEC_EVENTS_MAP)[ev].packets; }
    SaEntry sa(size_t i = 0) {
        auto l = db.list();
        if (!l || l->size() <= i) throw std::runtime_error("no SA entry");
        return (*l)[i];
    }
    LoadedProgram prog;
    SaDatabase db;
};

}  // namespace xdpkit::test
