// What the live crypto engine does with a packet once it is decrypted (`--after`): drop it
// (the seed's "XDP drop post-decryption": count and recycle the frame), forward the inner
// packet out of another interface, or run a second xdpkit program on the plaintext and obey
// its verdict — and forward what that program passes, when a forward step follows it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/attach/family.h"
#include "core/attach/program.h"
#include "core/base/result.h"

namespace xdpkit {

// The steps as the user wrote them: "drop" (the default), "forward:IFACE",
// "program:NAME", or "program:NAME" then "forward:IFACE".
struct AfterSteps {
    std::string program;  // empty: none
    std::string forward;  // the output interface; empty: none
    bool drop() const { return program.empty() && forward.empty(); }
};

Result<AfterSteps> parse_after_steps(const std::vector<std::string>& steps);
std::string after_text(const AfterSteps& s);  // "drop", "program:drop,forward:veth2"

// An xdpkit program run on each plaintext frame through BPF_PROG_RUN: loaded once, never
// attached; its own counters count what it saw, as when it is attached.
class PostProgram {
public:
    static Result<std::unique_ptr<PostProgram>> load(const Family& family,
                                                     const ParamValues& params);

    // The verdict (enum xdp_action) for frame; output() is then the frame as the program left
    // it. Never allocates once the buffer has grown to the largest frame.
    Result<uint32_t> run(std::span<const uint8_t> frame);
    std::span<const uint8_t> output() const { return out_; }
    const std::string& name() const { return name_; }

private:
    PostProgram(LoadedProgram p, std::string name) : prog_(std::move(p)), name_(std::move(name)) {}

    LoadedProgram prog_;
    std::string name_;
    std::vector<uint8_t> out_;
};

}  // namespace xdpkit
