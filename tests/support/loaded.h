// Loading a family and reading its counters in progs-tier tests, failing loudly.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "core/attach/counters.h"
#include "core/attach/program.h"

namespace xdpkit::test {

inline LoadedProgram must(Result<LoadedProgram> r) {
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(r).value();
}

// A family loaded on its own (no chain) with these parameters.
inline LoadedProgram load_alone(const Family& f, ParamValues params) {
    return must(load_program(f, {std::move(params), -1, 0}));
}

// The per-CPU counter map `map` of p, summed over CPUs.
inline std::vector<xdpkit_datarec> counters(const LoadedProgram& p, const char* map) {
    auto r = read_datarecs(bpf_map__fd(p.map(map)));
    if (!r) throw std::runtime_error(r.error().message);
    return *r;
}

}  // namespace xdpkit::test
