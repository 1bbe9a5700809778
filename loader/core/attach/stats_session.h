// `xdpkit stats` against the kernel: reads the pinned counters of the xdpkit chain on one
// interface. The chain is found through its pins (read_chain), never by loading a program,
// and no map is ever written: the totals since attach survive every stats run.
#pragma once

#include "core/kernel/interface.h"
#include "core/base/result.h"
#include "core/attach/stats.h"
#include "core/attach/status.h"

namespace xdpkit {

class StatsSession {
public:
    // Takes the first sample. Fails in one line when there is nothing of xdpkit's to read:
    // no program, another tool's program (named), no permission to read the pins.
    static Result<StatsSession> start(const Interface& iface, FamilyLookup lookup,
                                      bool per_cpu);

    // Samples again and returns the rates since the previous sample. Fails when the chain
    // changed in between (a stage detached, replaced or added): rates across two different
    // chains would mean nothing, and a stage replaced starts again from zero.
    Result<Interval> next();

private:
    StatsSession(Interface iface, FamilyLookup lookup, bool per_cpu)
        : iface_(std::move(iface)), lookup_(std::move(lookup)), per_cpu_(per_cpu) {}
    Result<Sample> sample() const;

    Interface iface_;
    FamilyLookup lookup_;
    bool per_cpu_ = false;
    Sample last_;
};

}  // namespace xdpkit
