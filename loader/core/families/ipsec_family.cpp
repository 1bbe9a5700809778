#include <fmt/format.h>
#include <xdpkit/ipsec.h>

#include "core/kernel/bpffs.h"
#include "core/ipsec/ipsec_report.h"
#include "core/ipsec/ipsec_crypto.h"
#include "core/ipsec/ipsec_sad.h"
#include "core/families/families.h"
#include "ipsec.skel.h"

namespace xdpkit {
namespace {

// status: where the stage's SAs live and how many there are (the SA table is shared by the
// namespace, so this is the same for every interface).
std::vector<std::pair<std::string, std::string>> ipsec_map_state(const std::string&) {
    auto db = SaDatabase::open_pinned(/*create=*/false);
    if (!db) return {{"sa-database", db.error().message}};
    auto sas = db->list();
    if (!sas) return {{"sa-database", db->where()}, {"sas", sas.error().message}};
    std::vector<std::pair<std::string, std::string>> out = {{"sa-database", db->where()},
                                                            {"sas", std::to_string(sas->size())}};
    // Decrypting without an integrity check is flagged on a line of its own, one per SA.
    for (const auto& e : *sas)
        if (e.sa.unverified)
            out.emplace_back("unverified-sa",
                             fmt::format("{:#x} to {} {} UNVERIFIED (no integrity check)",
                                         e.sa.spi, to_string(e.sa.dst),
                                         action_text(e.sa.action, e.sa.target)));
    return out;
}

}  // namespace

const Family& ipsec_family() {
    static const Family f{
        "ipsec",
        "ESP pre-parse: SA by SPI, anti-replay pre-check, per-SA pass/drop/cpu/xsk/inline",
        "xdpkit_ipsec",
        {
            ParamSpec{"unknown-spi", "unknown_spi", ParamKind::Choice, "pass",
                      "ESP whose SPI no SA has: to the stack, or dropped",
                      {{"pass", IPSEC_UNKNOWN_SPI_PASS}, {"drop", IPSEC_UNKNOWN_SPI_DROP}}},
            ParamSpec{"unparsed", "unparsed", ParamKind::Choice, "act",
                      "frames whose headers cannot be walked to their protocol (too many IPv6 "
                      "extension headers, cut short): dropped while an SA is not pass or "
                      "unknown-spi=drop (fail closed), or always passed",
                      {{"act", XDPKIT_UNPARSED_ACT}, {"pass", XDPKIT_UNPARSED_PASS}}},
        },
        true,
        skeleton_opener<ipsec_bpf>(),
        {CounterTable{IPSEC_EVENTS_MAP, "event", esp_event_name, {IPSEC_EV_UNPARSED}}},
        false,
        "",
        ipsec_map_state,
        share_sa_database,
        {},  // the inline action's kfuncs are weak: without them only that action is refused
        set_inline_kfuncs};
    return f;
}

}  // namespace xdpkit
