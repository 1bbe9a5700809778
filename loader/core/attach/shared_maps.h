// Maps every stage of a family in one namespace shares — ipsec's SA database, filter's rules —
// pinned in the namespace's folder under one entry (`ipsec:sad`, `filter:rules`; ':' is never
// in an interface name). What both do the same way lives here; what each keeps in them is
// its own (ipsec_sad.h, filter_rules_db.h).
#pragma once

#include <bpf/libbpf.h>

#include <span>
#include <string>

#include "core/base/fd.h"
#include "core/base/result.h"

namespace xdpkit {

class LoadedProgram;

// Points each named map of obj at <the namespace's folder>/<entry>/<name>, the folder made (a
// stale one of its name pruned) when missing; libbpf then reuses the maps pinned there or
// pins new ones. family names the program in errors.
Result<void> pin_maps_in_namespace(bpf_object* obj, const char* entry,
                                   std::span<const char* const> names, const char* family);

// Each named map of a loaded program, on a descriptor of its own (fds in names' order).
Result<void> dup_program_maps(const LoadedProgram& p, std::span<const char* const> names,
                              std::span<Fd* const> fds);

// Whether a stage of family is pinned on any interface of the namespace folder ns_dir: then
// its shared maps must stay, new ones would not be the ones it reads.
bool family_stage_pinned(const std::string& ns_dir, const std::string& family);

}  // namespace xdpkit
