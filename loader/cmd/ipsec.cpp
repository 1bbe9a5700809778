// xdpkit ipsec sa add|del|list: the SA database the ipsec programs of a namespace steer by.
#include <fmt/format.h>

#include <algorithm>

#include "command.h"
#include "validators.h"
#include "core/kernel/bpffs.h"
#include "core/ipsec/ipsec_report.h"
#include "core/ipsec/ipsec_sa.h"
#include "core/ipsec/ipsec_sad.h"
#include "core/attach/pin_folder.h"

namespace xdpkit {
namespace {

struct SaAddArgs {
    SaFields fields;
    std::string spi, dst, src, action, cipher, auth, key, auth_key, salt, replay_window;
    std::string sa_file;
};

// CLI11 fills plain strings; an empty one is a flag the user did not give.
std::optional<std::string> given(const std::string& s) {
    return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

Result<std::vector<SecurityAssociation>> sas_of(const SaAddArgs& a) {
    const bool flags = !a.spi.empty() || !a.dst.empty() || !a.action.empty();
    if (!a.sa_file.empty()) {
        if (flags) return make_error(EINVAL, "--sa-file or --spi/--dst/--action, not both");
        return read_sa_file(a.sa_file);
    }
    SaFields f = a.fields;
    f.spi = given(a.spi);
    f.dst = given(a.dst);
    f.src = given(a.src);
    f.action = given(a.action);
    f.cipher = given(a.cipher);
    f.auth = given(a.auth);
    f.key = given(a.key);
    f.auth_key = given(a.auth_key);
    f.salt = given(a.salt);
    f.replay_window = given(a.replay_window);
    auto sa = make_sa(f);
    if (!sa) return sa.error();
    return std::vector<SecurityAssociation>{*sa};
}

Result<void> handle_add(const SaAddArgs& a, const GlobalOptions& g) {
    auto sas = sas_of(a);
    if (!sas) return sas.error();
    auto db = SaDatabase::open_pinned(/*create=*/true);
    if (!db) return db.error();
    XDPKIT_TRY(db->add(*sas));
    if (!g.json)
        for (const auto& n : db->notes()) fmt::print("note: {}\n", n);
    Json added = Json::array();
    for (const auto& sa : *sas) {
        added.push_back(to_json(sa));
        if (!g.json)
            fmt::print("added SPI {:#x} to {}: {}, {}/{}, replay window {}, keys {}{}\n", sa.spi,
                       to_string(sa.dst), action_text(sa.action, sa.target),
                       cipher_name(sa.cipher), auth_name(sa.auth), sa.replay_window,
                       key_fingerprint(sa),
                       sa.unverified ? "  UNVERIFIED (no integrity check)" : "");
    }
    if (g.json) print_json({{"added", added}, {"sa_database", db->where()}, {"notes", db->notes()}});
    return {};
}

Result<void> handle_del(const std::string& spi_text, const std::string& dst_text,
                        const GlobalOptions& g) {
    auto spi = parse_spi(spi_text);
    if (!spi) return spi.error();
    auto dst = parse_ip(dst_text);
    if (!dst) return make_error(EINVAL, "--dst: {}", dst.error().message);
    auto db = SaDatabase::open_pinned(/*create=*/false);
    if (!db) return db.error();
    auto gone = db->remove(*spi, *dst);
    if (!gone) return gone.error();
    if (g.json)
        print_json({{"deleted", to_json(gone->sa)}});
    else
        fmt::print("deleted SPI {:#x} to {}\n", gone->sa.spi, to_string(gone->sa.dst));
    return {};
}

Result<void> handle_flush(const GlobalOptions& g) {
    auto db = SaDatabase::open_pinned(/*create=*/false);
    if (!db) return db.error();
    auto removed_db = db->flush();
    if (!removed_db) return removed_db.error();
    if (g.json)
        print_json({{"flushed", true}, {"sa_database_removed", *removed_db}});
    else
        fmt::print("flushed every SA{}\n", *removed_db ? "; no ipsec program is attached, so "
                                                        "the SA database was removed too"
                                                      : "");
    return {};
}

Result<void> handle_list(const GlobalOptions& g) {
    auto folder = namespace_folder(FolderUse::Read);
    if (!folder) return folder.error();
    if (!folder->ours || !path_exists(folder->pin_path(kSaDatabasePin))) {
        // Like `ip xfrm state`: nothing to list. An SA database of an earlier namespace that
        // had this name is not this namespace's and is never shown: only pointed at.
        const bool stale_sad = folder->stale &&
                               std::find(folder->stale->holds.begin(), folder->stale->holds.end(),
                                         kSaDatabasePin) != folder->stale->holds.end();
        if (g.json) {
            Json out{{"sa_database", nullptr}, {"sas", Json::array()}};
            if (stale_sad) out["stale_sa_database"] = folder->stale->dir + "/" + kSaDatabasePin;
            print_json(out);
        } else {
            fmt::print("no SAs (no SA database in this namespace)\n");
            if (stale_sad)
                fmt::print("note: {}/{} is stale: {}; it is never used; 'xdpkit prune' "
                           "removes it\n",
                           folder->stale->dir, kSaDatabasePin, folder->stale->reason);
        }
        return {};
    }
    auto db = SaDatabase::open_pinned(/*create=*/false);
    if (!db) return db.error();
    auto entries = db->list();
    if (!entries) return entries.error();
    if (g.json)
        print_json({{"sa_database", db->where()}, {"sas", sa_entries_json(*entries)}});
    else
        fmt::print("{}", sa_table_text(*entries));
    return {};
}

}  // namespace

void register_ipsec(CommandTable& t, CLI::App& app) {
    CLI::App* ipsec = app.add_subcommand("ipsec", "The IPsec SA database the ipsec program steers by");
    ipsec->require_subcommand(1);
    CLI::App* sa = ipsec->add_subcommand("sa", "Add, delete and list security associations");
    sa->require_subcommand(1);

    auto a = std::make_shared<SaAddArgs>();
    CLI::App* add = t.add(*sa, "add", "Add one SA, or every SA of a file (all or none)",
                          [a](const GlobalOptions& g) { return handle_add(*a, g); });
    add->add_option("--spi", a->spi, "Security Parameters Index (decimal or 0x hex, >= 256)")
        ->check(checked_by(parse_spi, "SPI", "--spi"));
    add->add_option("--dst", a->dst, "Destination address of the SA (IPv4 or IPv6)");
    add->add_option("--src", a->src, "Source address it must come from (optional)");
    add->add_option("--action", a->action, "pass, drop, cpu:N, xsk:Q or inline");
    add->add_option("--cipher", a->cipher, "aes-cbc-128 (default), aes-gcm-128 or null");
    add->add_option("--auth", a->auth,
                    "hmac-sha1-96 (default; none with aes-gcm-128), hmac-sha256-128 or none");
    add->add_option("--key", a->key, "Cipher key in hex (16 bytes for AES-128)");
    add->add_option("--auth-key", a->auth_key, "Integrity key in hex (20 bytes SHA-1, 32 SHA-256)");
    add->add_option("--salt", a->salt, "aes-gcm-128's 4-byte salt in hex");
    add->add_option("--replay-window", a->replay_window,
                    "Anti-replay window in packets: 0 (off) or 32..1024 in steps of 32 (default 64)");
    add->add_flag("--unverified", a->fields.unverified,
                  "inline only: decrypt without checking integrity (flagged in every listing)");
    add->add_option("--sa-file", a->sa_file, "Add every SA of this file (JSON array or one per line)");

    auto spi = std::make_shared<std::string>();
    auto dst = std::make_shared<std::string>();
    CLI::App* del = t.add(*sa, "del", "Delete one SA; its counters, window and keys go with it",
                          [spi, dst](const GlobalOptions& g) { return handle_del(*spi, *dst, g); });
    del->add_option("--spi", *spi, "SPI of the SA")
        ->required()
        ->check(checked_by(parse_spi, "SPI", "--spi"));
    del->add_option("--dst", *dst, "Destination address of the SA")->required();

    t.add(*sa, "flush", "Delete every SA (and the database, when no ipsec program uses it)",
          [](const GlobalOptions& g) { return handle_flush(g); });
    t.add(*sa, "list", "Every SA with its counters; keys as a fingerprint only",
          [](const GlobalOptions& g) { return handle_list(g); });
}

}  // namespace xdpkit
