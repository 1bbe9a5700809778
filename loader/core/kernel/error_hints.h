// The known XDP gotchas (DESIGN.md "Error hints"), turned into what to do about them.
#pragma once

#include <string>

#include "core/kernel/bpf_privileges.h"

namespace xdpkit {

enum class Operation {
    Load,          // bpf_object__load: verifier, BTF, map creation
    AttachNative,  // link create with XDP_FLAGS_DRV_MODE
    AttachSkb,
    AttachAuto,
    Pin,
    MapUpdate,
};

// "<what to do>" for errno after op, or empty when there is nothing specific to say. A
// permission error asks for root only of a process that lacks the privileges: root is told
// something it can act on instead.
std::string hint_for(Operation op, int err, const BpfPrivileges& have);
// The same for this process.
std::string hint_for(Operation op, int err);

// "<strerror>; <hint>" — the tail every kernel-caused error line ends with.
std::string describe_errno(Operation op, int err);

}  // namespace xdpkit
