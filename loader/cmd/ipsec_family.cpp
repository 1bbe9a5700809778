#include <xdpkit/ipsec.h>

#include "core/bpffs.h"
#include "core/ipsec_report.h"
#include "core/ipsec_sad.h"
#include "families.h"
#include "ipsec.skel.h"

namespace xdpkit {
namespace {

// status: where the stage's SAs live and how many there are (the SA table is shared by the
// namespace, so this is the same for every interface).
std::vector<std::pair<std::string, std::string>> ipsec_map_state(const std::string&) {
    auto db = SaDatabase::open_pinned(/*create=*/false);
    if (!db) return {{"sa-database", db.error().message}};
    auto sas = db->list();
    std::string count = sas ? std::to_string(sas->size()) : sas.error().message;
    return {{"sa-database", db->where()}, {"sas", count}};
}

}  // namespace

const Family& ipsec_family() {
    static const Family f{
        "ipsec",
        "ESP pre-parse: SA by SPI, anti-replay pre-check, per-SA pass/drop/cpu/xsk",
        "xdpkit_ipsec",
        {
            ParamSpec{"unknown-spi", "unknown_spi", ParamKind::Choice, "pass",
                      "ESP whose SPI no SA has: to the stack, or dropped",
                      {{"pass", IPSEC_UNKNOWN_SPI_PASS}, {"drop", IPSEC_UNKNOWN_SPI_DROP}}},
        },
        true,
        skeleton_opener<ipsec_bpf>(),
        {CounterTable{IPSEC_EVENTS_MAP, "event", esp_event_name}},
        false,
        "",
        ipsec_map_state,
        share_sa_database};
    return f;
}

}  // namespace xdpkit
