#include "core/ipsec/ipsec_report.h"

#include <array>

#include <fmt/format.h>

namespace xdpkit {

Json to_json(const SaEntry& e) {
    Json j = to_json(e.sa);
    j["slot"] = e.slot;
    j["replay_top"] = e.replay_top;
    j["counters"] = {{"packets", e.stats.packets},     {"bytes", e.stats.bytes},
                     {"replay", e.stats.replay},       {"too_old", e.stats.too_old},
                     {"malformed", e.stats.malformed}, {"steer_failed", e.stats.steer_failed},
                     {"highest_seq", e.stats.highest_seq}, {"decrypted", e.stats.decrypted},
                     {"bad_padding", e.stats.bad_padding},
                     {"crypto_error", e.stats.crypto_error}};
    return j;
}

Json sa_entries_json(const std::vector<SaEntry>& entries) {
    Json out = Json::array();
    for (const auto& e : entries) out.push_back(to_json(e));
    return out;
}

std::string sa_table_text(const std::vector<SaEntry>& entries) {
    if (entries.empty()) return "no SAs\n";
    std::string out = fmt::format("{:<10} {:<20} {:<8} {:<28} {:>6} {:>10} {:>10} {:>12} {:>7} "
                                  "{:>7} {:>9}  {}\n",
                                  "spi", "dst", "action", "cipher/auth", "window", "top/seen",
                                  "packets", "bytes", "replay", "too-old", "malformed", "keys");
    for (const auto& e : entries) {
        const auto& sa = e.sa;
        std::string dst = to_string(sa.dst);
        if (sa.src) dst += " from " + to_string(*sa.src);
        std::string keys = key_fingerprint(sa);
        // Decrypting without checking the ICV is flagged on every line it applies to.
        if (sa.unverified) keys += "  UNVERIFIED (no integrity check)";
        if (e.stats.steer_failed)
            keys += fmt::format("  steer-failed {}", e.stats.steer_failed);
        if (sa.action == IPSEC_ACTION_INLINE)
            keys += fmt::format("  decrypted {} bad-padding {} crypto-error {}",
                                e.stats.decrypted, e.stats.bad_padding, e.stats.crypto_error);
        out += fmt::format("{:<10} {:<20} {:<8} {:<28} {:>6} {:>10} {:>10} {:>12} {:>7} {:>7} "
                           "{:>9}  {}\n",
                           fmt::format("{:#x}", sa.spi), dst, action_text(sa.action, sa.target),
                           cipher_name(sa.cipher) + "/" + auth_name(sa.auth), sa.replay_window,
                           fmt::format("{}/{}", e.replay_top, e.stats.highest_seq),
                           e.stats.packets, e.stats.bytes, e.stats.replay, e.stats.too_old,
                           e.stats.malformed, keys);
    }
    return out;
}

std::string esp_event_name(uint32_t event) {
    static constexpr std::array<const char*, IPSEC_EV_SLOTS> names = {
        "esp-ipv4",    "esp-ipv6",    "esp-in-udp",   "ike",    "nat-keepalive",
        "fragment",    "not-esp",     "malformed",    "unparsed",     "invalid-spi-or-seq",
        "unknown-spi", "sa-malformed", "replay",      "too-old", "steer-failed",
        "decrypted",   "bad-padding", "crypto-error", "not-tunnel"};
    return event < names.size() ? names[event] : std::to_string(event);
}

}  // namespace xdpkit
