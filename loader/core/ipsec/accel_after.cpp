#include "core/ipsec/accel_after.h"

#include <fmt/format.h>

#include "core/kernel/prog_run.h"

namespace xdpkit {

Result<AfterSteps> parse_after_steps(const std::vector<std::string>& steps) {
    AfterSteps s;
    bool dropped = false;
    for (const std::string& step : steps) {
        const auto colon = step.find(':');
        const std::string kind = step.substr(0, colon);
        const std::string arg = colon == std::string::npos ? "" : step.substr(colon + 1);
        if (step == "drop") {
            dropped = true;
        } else if (kind == "forward" && !arg.empty()) {
            if (!s.forward.empty())
                return make_error(EINVAL, "--after: one forward step, not two ({} and {})",
                                  s.forward, arg);
            s.forward = arg;
        } else if (kind == "program" && !arg.empty()) {
            if (!s.program.empty())
                return make_error(EINVAL, "--after: one program step, not two ({} and {})",
                                  s.program, arg);
            if (!s.forward.empty())
                return make_error(EINVAL, "--after: the program step comes before forward "
                                          "(the program decides what is forwarded)");
            s.program = arg;
        } else {
            return make_error(EINVAL, "--after '{}': expected drop, forward:IFACE or "
                                      "program:NAME", step);
        }
    }
    if (dropped && !s.drop())
        return make_error(EINVAL, "--after drop ends the packet: no step can follow or precede it");
    return s;
}

std::string after_text(const AfterSteps& s) {
    if (s.drop()) return "drop";
    std::string out;
    if (!s.program.empty()) out = "program:" + s.program;
    if (!s.forward.empty()) out += (out.empty() ? "" : ",") + ("forward:" + s.forward);
    return out;
}

Result<std::unique_ptr<PostProgram>> PostProgram::load(const Family& family,
                                                       const ParamValues& params) {
    if (family.device_bound)
        return make_error(EINVAL, "--after program:{}: a device-bound program cannot run under "
                                  "BPF_PROG_RUN", family.name);
    if (!family.set_up_with.empty())
        return make_error(EINVAL, "--after program:{}: it does nothing useful with empty maps "
                                  "(set up with '{}')", family.name, family.set_up_with);
    auto prog = load_program(family, LoadOptions{params, -1, 0});
    if (!prog)
        return make_error(prog.error().err, "--after program:{}: {}", family.name,
                          prog.error().message);
    return std::unique_ptr<PostProgram>(new PostProgram(std::move(*prog), family.name));
}

Result<uint32_t> PostProgram::run(std::span<const uint8_t> frame) {
    return prog_run_xdp_into(prog_.prog_fd(), frame, out_);
}

}  // namespace xdpkit
