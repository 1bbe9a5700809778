// How attach and the commands that attach a family of their own (redirect, forward) report
// one attachment: the same line, the same JSON fields.
#pragma once

#include <fmt/format.h>

#include <string>

#include "core/attach/chain.h"
#include "core/base/output.h"

namespace xdpkit {

// "b0: attached 'forward' in native mode (prog id 7, chain slot 0, link id 3); pinned in ..."
inline std::string attach_line(const AttachResult& r) {
    return fmt::format("{}: {} '{}' in {} mode (prog id {}, chain slot {}, link id {}); pinned in "
                       "{}\n",
                       r.ifname, r.action, r.family, r.mode, r.prog_id, r.slot, r.link_id,
                       r.pin_dir);
}

inline Json attach_json(const AttachResult& r) {
    return {{"ifname", r.ifname},   {"program", r.family}, {"action", r.action},
            {"mode", r.mode},       {"slot", r.slot},      {"prog_id", r.prog_id},
            {"link_id", r.link_id}, {"pin_dir", r.pin_dir}, {"notes", r.notes}};
}

}  // namespace xdpkit
