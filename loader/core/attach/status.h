// What is attached where, as `xdpkit status` shows it.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <xdpkit/common.h>

#include "core/attach/family.h"
#include "core/kernel/interface.h"
#include "core/base/output.h"
#include "core/attach/pin_folder.h"
#include "core/base/result.h"

namespace xdpkit {

struct StageStatus {
    uint32_t slot = 0;
    std::string family;
    uint32_t prog_id = 0;
    std::string pin_dir;
    bool in_chain = false;
    std::vector<std::pair<std::string, std::string>> params;  // as loaded, read back from rodata
    std::vector<std::pair<std::string, std::string>> state;   // from its maps (Family::map_state)
    std::vector<xdpkit_datarec> verdicts;  // action_counters: totals per XDP verdict
    // The family's always-shown counter rows (CounterTable::always_shown): map, row name, total.
    struct Counter {
        std::string map, name;
        xdpkit_datarec total;
    };
    std::vector<Counter> counters;
};

struct InterfaceStatus {
    std::string name;
    int ifindex = 0;
    std::string mode;        // native, skb, hw, multi, none
    uint32_t prog_id = 0;    // what the kernel says is attached
    std::string prog_name;
    bool xdpkit = false;     // attached by xdpkit (its pinned link holds it)
    std::string mechanism;   // "tail-call chain" for ours
    uint32_t link_id = 0;
    std::string pin_dir;
    std::vector<StageStatus> stages;  // chain order
    std::vector<std::string> problems;
};

using FamilyLookup = std::function<const Family*(const std::string&)>;

Result<InterfaceStatus> interface_status(const Interface& iface, const FamilyLookup& lookup);

Json to_json(const InterfaceStatus& s);

// A stale pin folder as status lists it: an element {"stale_pins": {...}} after the
// interfaces, so the interfaces' objects keep their shape.
Json to_json(const StaleFolder& f);
// The line status prints for it, ending in the hint to prune.
std::string stale_line(const StaleFolder& f);

}  // namespace xdpkit
