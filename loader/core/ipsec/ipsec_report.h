// How SAs and their counters read: `ipsec sa list`, `run ipsec --sa-file` and status share
// one table and one JSON shape. Keys appear as a fingerprint only.
#pragma once

#include <string>
#include <vector>

#include "core/ipsec/ipsec_sad.h"
#include "core/base/output.h"

namespace xdpkit {

Json to_json(const SaEntry& e);
Json sa_entries_json(const std::vector<SaEntry>& entries);
std::string sa_table_text(const std::vector<SaEntry>& entries);

// esp_events index → name ("esp-ipv4", "replay", ...).
std::string esp_event_name(uint32_t event);

}  // namespace xdpkit
