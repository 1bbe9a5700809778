#include "core/ipsec/ipsec_sad.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include <xdpkit/ipsec_replay.h>

#include "core/kernel/bpffs.h"
#include "core/base/cpu_list.h"
#include "core/kernel/error_hints.h"
#include "ipsec.skel.h"
#include "core/ipsec/ipsec_crypto.h"
#include "core/base/libbpf_log.h"
#include "core/kernel/load_failure.h"
#include "core/kernel/netns.h"
#include "core/attach/pin_folder.h"
#include "core/attach/shared_maps.h"
#include "core/attach/program.h"

namespace xdpkit {
namespace {

// The maps every ipsec program of a namespace shares. Not the counters of the program as
// a whole (action_counters, esp_events): those stay per attachment, like every family's.
// sa_crypto and sa_summary last: a database pinned before the inline action existed lacks
// sa_crypto, and is still good for every other action; one pinned before the unparsed rule
// lacks sa_summary, which open_pinned(create) then adds.
constexpr const char* kSharedMaps[] = {IPSEC_SA_TABLE_MAP, IPSEC_SA_REPLAY_MAP,
                                       IPSEC_SA_STATS_MAP, IPSEC_CPU_MAP,
                                       IPSEC_XSKS_MAP,     IPSEC_SA_CRYPTO_MAP,
                                       IPSEC_SA_SUMMARY_MAP};

// A cpumap entry's queue: the kernel's default for xdp-bench redirect-cpu too.
constexpr uint32_t kCpumapQueueSize = 2048;

Result<void> map_error(const char* what, const SecurityAssociation& sa, int err) {
    return make_error(err, "SPI {:#x} to {}: cannot write {}: {}", sa.spi, to_string(sa.dst),
                      what, describe_errno(Operation::MapUpdate, err));
}

// Creates the key map and pins it readable by root only: keys never sit in a map a program
// (or another user) can read.
Result<Fd> create_key_map(const std::string& path) {
    const int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, IPSEC_SA_KEYS_MAP, sizeof(uint32_t),
                                  sizeof(ipsec_sa_keys), IPSEC_MAX_SAS, nullptr);
    if (fd < 0)
        return make_error(errno, "cannot create the SA key map: {}",
                          describe_errno(Operation::Load, errno));
    Fd keys(fd);
    XDPKIT_TRY(pin_fd(keys.get(), path));
    if (::chmod(path.c_str(), 0600) != 0)
        return make_error(errno, "cannot restrict {} to 0600: {}", path, std::strerror(errno));
    return keys;
}

// The summary map for a database pinned before it existed, made as the program declares it
// (libbpf reuses a pinned map whose type, sizes and flags match).
Result<Fd> create_summary_map(const std::string& path) {
    const int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, IPSEC_SA_SUMMARY_MAP, sizeof(uint32_t),
                                  sizeof(ipsec_sa_summary), 1, nullptr);
    if (fd < 0)
        return make_error(errno, "cannot create the SA summary map: {}",
                          describe_errno(Operation::Load, errno));
    Fd summary(fd);
    XDPKIT_TRY(pin_fd(summary.get(), path));
    return summary;
}

Result<void> pin_shared_maps(bpf_object* obj) {
    return pin_maps_in_namespace(obj, kSaDatabasePin, kSharedMaps, "ipsec");
}

// Makes the namespace's shared maps by loading the ipsec object with them pointed at the
// pin directory: libbpf creates and pins them exactly as the program declares them.
Result<void> create_shared_maps() {
    ipsec_bpf* skel = ipsec_bpf::open();
    if (!skel) return make_error(errno, "cannot open the ipsec program: {}", std::strerror(errno));
    auto shared = pin_shared_maps(skel->obj);
    int err = 0;
    const size_t log_mark = libbpf_log_mark();
    if (shared && ipsec_bpf::load(skel) != 0) err = errno;
    ipsec_bpf::destroy(skel);
    if (!shared) return shared.error();
    // The database is the program's own maps: what stops them is what stops the program.
    if (err) return Error{explain_load_failure("ipsec", err, log_mark), err};
    return {};
}

std::vector<uint8_t> zeroed_percpu(size_t value_size) {
    const int cpus = libbpf_num_possible_cpus();
    return std::vector<uint8_t>(((value_size + 7) / 8) * 8 * static_cast<size_t>(std::max(cpus, 1)));
}

bool same_key(const ipsec_sa_key& a, const ipsec_sa_key& b) {
    return std::memcmp(&a, &b, sizeof(a)) == 0;
}

SecurityAssociation sa_from_map(const ipsec_sa_key& k, const ipsec_sa& v) {
    SecurityAssociation sa;
    sa.spi = ntohl(k.spi);
    sa.dst.family = k.family == 6 ? AF_INET6 : AF_INET;
    std::memcpy(sa.dst.bytes.data(), k.dst, sa.dst.size());
    if (v.has_src) {
        IpAddress src;
        src.family = sa.dst.family;
        std::memcpy(src.bytes.data(), v.src, src.size());
        sa.src = src;
    }
    sa.action = static_cast<ipsec_action>(v.action);
    sa.target = v.target;
    sa.cipher = static_cast<ipsec_cipher>(v.cipher);
    sa.auth = static_cast<ipsec_auth>(v.auth);
    sa.replay_window = v.replay_window;
    sa.unverified = v.flags & IPSEC_SA_F_UNVERIFIED;
    return sa;
}

// Every (key, value) of the SA table.
Result<std::vector<std::pair<ipsec_sa_key, ipsec_sa>>> table_entries(int fd) {
    std::vector<std::pair<ipsec_sa_key, ipsec_sa>> out;
    ipsec_sa_key key{}, next{};
    const void* prev = nullptr;
    while (bpf_map_get_next_key(fd, prev, &next) == 0) {
        ipsec_sa value{};
        if (bpf_map_lookup_elem(fd, &next, &value) == 0) out.emplace_back(next, value);
        key = next;
        prev = &key;
    }
    if (errno != ENOENT)
        return make_error(errno, "cannot read the SA table: {}", std::strerror(errno));
    return out;
}

}  // namespace

Result<std::optional<std::string>> sa_database_dir() {
    auto folder = namespace_folder(FolderUse::Read);
    if (!folder) return folder.error();
    const std::string dir = folder->pin_path(kSaDatabasePin);
    if (!folder->ours || !path_exists(dir)) return std::optional<std::string>{};
    return std::optional<std::string>(dir);
}

Result<void> share_sa_database(bpf_object* obj) {
    // The database first, with a summary that describes its table: the program reads the
    // summary for its first unparsed frame, before any `sa` command could have written it.
    auto db = SaDatabase::open_pinned(/*create=*/true);
    if (!db) return db.error();
    XDPKIT_TRY(db->publish_summary());
    return pin_shared_maps(obj);
}

Result<SaDatabase> SaDatabase::open_pinned(bool create) {
    auto folder = namespace_folder(create ? FolderUse::Create : FolderUse::Read);
    if (!folder) return folder.error();
    const std::string dir = folder->pin_path(kSaDatabasePin);
    if (!folder->ours || !path_exists(dir + "/" + IPSEC_SA_TABLE_MAP)) {
        if (!create)
            return make_error(ENOENT,
                              "no SA database in this namespace ({}): add one with 'xdpkit "
                              "ipsec sa add' or attach ipsec",
                              dir);
        XDPKIT_TRY(create_shared_maps());
    }
    SaDatabase db;
    db.where_ = dir;
    db.notes_ = folder->notes;
    Fd* fds[] = {&db.table_, &db.replay_, &db.stats_,  &db.cpus_,
                 &db.xsks_,  &db.crypto_, &db.summary_};
    static_assert(std::size(fds) == std::size(kSharedMaps));
    for (size_t i = 0; i < std::size(kSharedMaps); ++i) {
        const std::string path = dir + "/" + kSharedMaps[i];
        if (fds[i] == &db.summary_ && !path_exists(path)) {  // an older database
            if (!create) continue;
            auto fd = create_summary_map(path);
            if (!fd) return fd.error();
            db.summary_ = std::move(*fd);
            XDPKIT_TRY(db.publish_summary());
            continue;
        }
        if (fds[i] == &db.crypto_ && !path_exists(path)) continue;  // an older database
        auto fd = open_pin(path);
        if (!fd) return fd.error();
        *fds[i] = std::move(*fd);
    }
    const std::string keys = dir + "/" + IPSEC_SA_KEYS_MAP;
    if (path_exists(keys)) {
        auto fd = open_pin(keys);
        if (!fd) return fd.error();
        db.keys_ = std::move(*fd);
    } else if (create) {
        auto fd = create_key_map(keys);
        if (!fd) return fd.error();
        db.keys_ = std::move(*fd);
    }
    return db;
}

Result<SaDatabase> SaDatabase::of_program(const LoadedProgram& p) {
    SaDatabase db;
    db.where_ = "program";
    Fd* fds[] = {&db.table_, &db.replay_, &db.stats_,  &db.cpus_,
                 &db.xsks_,  &db.crypto_, &db.summary_};
    static_assert(std::size(fds) == std::size(kSharedMaps));
    XDPKIT_TRY(dup_program_maps(p, kSharedMaps, fds));
    return db;
}

Result<void> SaDatabase::ensure_cpu(uint32_t cpu) {
    bpf_cpumap_val existing{};
    if (bpf_map_lookup_elem(cpus_.get(), &cpu, &existing) == 0 && existing.qsize) return {};
    auto online = online_cpus();
    if (!online) return online.error();
    if (std::find(online->begin(), online->end(), cpu) == online->end())
        return make_error(EINVAL, "--action cpu:{}: CPU {} is not online", cpu, cpu);
    bpf_cpumap_val val{};
    val.qsize = kCpumapQueueSize;
    if (bpf_map_update_elem(cpus_.get(), &cpu, &val, 0) != 0)
        return make_error(errno, "cannot add CPU {} to the cpumap: {}", cpu,
                          describe_errno(Operation::MapUpdate, errno));
    return {};
}

// Takes CPUs no SA steers to any more out of the cpumap (each entry holds a kthread).
void SaDatabase::release_cpus() {
    std::set<uint32_t> used;
    if (auto entries = table_entries(table_.get()))
        for (const auto& [k, v] : *entries)
            if (v.action == IPSEC_ACTION_CPU) used.insert(v.target);
    for (uint32_t cpu = 0; cpu < 64; ++cpu)
        if (!used.count(cpu)) (void)bpf_map_delete_elem(cpus_.get(), &cpu);
}

Result<void> SaDatabase::clear_slot(uint32_t slot) {
    ipsec_replay replay{};
    if (bpf_map_update_elem(replay_.get(), &slot, &replay, BPF_F_LOCK) != 0)
        return make_error(errno, "cannot clear the replay window of slot {}: {}", slot,
                          std::strerror(errno));
    auto zeros = zeroed_percpu(sizeof(ipsec_sa_stats));
    if (bpf_map_update_elem(stats_.get(), &slot, zeros.data(), 0) != 0)
        return make_error(errno, "cannot clear the counters of slot {}: {}", slot,
                          std::strerror(errno));
    if (keys_.get() >= 0) {
        ipsec_sa_keys none{};
        if (bpf_map_update_elem(keys_.get(), &slot, &none, 0) != 0)
            return make_error(errno, "cannot clear the keys of slot {}: {}", slot,
                              std::strerror(errno));
    }
    if (crypto_.get() >= 0) XDPKIT_TRY(release_crypto_context(crypto_.get(), slot));
    return {};
}

// The inline SAs' contexts need the kfuncs, a database that has sa_crypto, and the crypto
// object loaded over it; all checked before anything is written.
Result<std::optional<CryptoContexts>> SaDatabase::crypto_for(
    const std::vector<SecurityAssociation>& sas) const {
    const auto inline_sa = std::find_if(sas.begin(), sas.end(), [](const auto& sa) {
        return sa.action == IPSEC_ACTION_INLINE;
    });
    if (inline_sa == sas.end()) return std::optional<CryptoContexts>();
    XDPKIT_TRY(require_crypto_kfuncs());
    if (crypto_.get() < 0)
        return make_error(ENOTSUP, "SPI {:#x}: this SA database ({}) predates the inline action "
                          "(no {} map); 'xdpkit ipsec sa flush' and add the SAs again",
                          inline_sa->spi, where_, IPSEC_SA_CRYPTO_MAP);
    auto contexts = CryptoContexts::over(crypto_.get());
    if (!contexts) return contexts.error();
    return std::optional<CryptoContexts>(std::move(*contexts));
}

Result<void> SaDatabase::add(const std::vector<SecurityAssociation>& sas) {
    auto existing = table_entries(table_.get());
    if (!existing) return existing.error();
    std::vector<bool> used(IPSEC_MAX_SAS);
    for (const auto& [k, v] : *existing) {
        if (v.slot < IPSEC_MAX_SAS) used[v.slot] = true;
        for (const auto& sa : sas)
            if (same_key(k, sa_map_key(sa)))
                return make_error(EEXIST, "SPI {:#x} to {} exists already; 'xdpkit ipsec sa "
                                  "del' it first (nothing was added)", sa.spi, to_string(sa.dst));
    }
    std::vector<uint32_t> slots;
    for (uint32_t s = 0; s < IPSEC_MAX_SAS && slots.size() < sas.size(); ++s)
        if (!used[s]) slots.push_back(s);
    if (slots.size() < sas.size())
        return make_error(ENOSPC, "the SA table holds {} and has room for {} more, not {} "
                          "(nothing was added)", IPSEC_MAX_SAS, slots.size(), sas.size());
    auto crypto = crypto_for(sas);
    if (!crypto) {
        Error e = crypto.error();
        e.message += " (nothing was added)";
        return e;
    }
    // The summary counts the new SAs before the program can find them: an unparsed frame
    // must never pass on the word of a summary that is behind the table.
    XDPKIT_TRY(raise_summary(sas));
    std::vector<ipsec_sa_key> added;
    auto undo = [&](Error e) -> Result<void> {
        for (const auto& k : added) (void)bpf_map_delete_elem(table_.get(), &k);
        // The slot being set up when it failed too: it may hold keys or a context already.
        for (size_t i = 0; i <= added.size() && i < slots.size(); ++i) (void)clear_slot(slots[i]);
        release_cpus();
        (void)publish_summary();
        e.message += " (nothing was added)";
        return e;
    };
    for (size_t i = 0; i < sas.size(); ++i) {
        const auto& sa = sas[i];
        const uint32_t slot = slots[i];
        if (sa.action == IPSEC_ACTION_CPU)
            if (auto r = ensure_cpu(sa.target); !r) return undo(r.error());
        // State first, table entry last: the program never sees an SA half set up.
        if (auto r = clear_slot(slot); !r) return undo(r.error());
        ipsec_replay replay{};
        replay.window = sa.replay_window;
        if (bpf_map_update_elem(replay_.get(), &slot, &replay, BPF_F_LOCK) != 0)
            return undo(map_error("the replay window", sa, errno).error());
        if (keys_.get() >= 0 && sa.has_keys()) {
            const ipsec_sa_keys keys = sa_key_material(sa);
            if (bpf_map_update_elem(keys_.get(), &slot, &keys, 0) != 0)
                return undo(map_error("the keys", sa, errno).error());
        }
        if (sa.action == IPSEC_ACTION_INLINE)
            if (auto r = (*crypto)->create(slot, sa.key); !r) {
                Error e = r.error();
                e.message = fmt::format("SPI {:#x} to {}: {}", sa.spi, to_string(sa.dst),
                                        e.message);
                return undo(e);
            }
        const ipsec_sa_key key = sa_map_key(sa);
        const ipsec_sa value = sa_map_value(sa, slot);
        if (bpf_map_update_elem(table_.get(), &key, &value, BPF_NOEXIST) != 0)
            return undo(map_error("the SA table", sa, errno).error());
        added.push_back(key);
    }
    return publish_summary();
}

Result<SaEntry> SaDatabase::remove(uint32_t spi, const IpAddress& dst) {
    SecurityAssociation probe;
    probe.spi = spi;
    probe.dst = dst;
    const ipsec_sa_key key = sa_map_key(probe);
    ipsec_sa value{};
    if (bpf_map_lookup_elem(table_.get(), &key, &value) != 0)
        return make_error(ENOENT, "no SA with SPI {:#x} to {}; 'xdpkit ipsec sa list' shows them",
                          spi, to_string(dst));
    SaEntry gone{sa_from_map(key, value), value.slot, {}, 0};
    // Table entry first: from then on the program no longer finds the slot.
    if (bpf_map_delete_elem(table_.get(), &key) != 0)
        return make_error(errno, "cannot delete SPI {:#x}: {}", spi, std::strerror(errno));
    XDPKIT_TRY(clear_slot(value.slot));
    release_cpus();
    XDPKIT_TRY(publish_summary());  // after the entry went: the summary never runs behind
    return gone;
}

Result<void> SaDatabase::mark_verified(uint32_t slot, uint32_t seq) {
    ipsec_replay r{};
    if (bpf_map_lookup_elem_flags(replay_.get(), &slot, &r, BPF_F_LOCK) != 0)
        return make_error(errno, "cannot read the replay window of slot {}: {}", slot,
                          std::strerror(errno));
    ipsec_replay_advance(&r, seq);
    if (bpf_map_update_elem(replay_.get(), &slot, &r, BPF_F_LOCK) != 0)
        return make_error(errno, "cannot write the replay window of slot {}: {}", slot,
                          std::strerror(errno));
    return {};
}

Result<ipsec_replay> SaDatabase::window(uint32_t slot) const {
    ipsec_replay r{};
    if (bpf_map_lookup_elem_flags(replay_.get(), &slot, &r, BPF_F_LOCK) != 0)
        return make_error(errno, "cannot read the replay window of slot {}: {}", slot,
                          std::strerror(errno));
    return r;
}

Result<void> SaDatabase::store_window(uint32_t slot, const ipsec_replay& r) {
    if (bpf_map_update_elem(replay_.get(), &slot, &r, BPF_F_LOCK) != 0)
        return make_error(errno, "cannot write the replay window of slot {}: {}", slot,
                          std::strerror(errno));
    return {};
}

Result<bool> SaDatabase::flush() {
    auto entries = table_entries(table_.get());
    if (!entries) return entries.error();
    for (const auto& [k, v] : *entries) {
        if (bpf_map_delete_elem(table_.get(), &k) != 0 && errno != ENOENT)
            return make_error(errno, "cannot delete SPI {:#x}: {}", ntohl(k.spi),
                              std::strerror(errno));
        XDPKIT_TRY(clear_slot(v.slot));
    }
    release_cpus();
    XDPKIT_TRY(publish_summary());
    if (where_ == "program") return false;
    // An attached ipsec stage keeps the database: a new one would not be the one it reads.
    const std::string ns_dir = where_.substr(0, where_.rfind('/'));
    if (family_stage_pinned(ns_dir, "ipsec")) return false;
    XDPKIT_TRY(remove_tree(where_));
    XDPKIT_TRY(remove_namespace_folder_if_empty());
    return true;
}

namespace {

ipsec_sa_summary summary_of(const std::vector<std::pair<ipsec_sa_key, ipsec_sa>>& entries) {
    ipsec_sa_summary s{};
    for (const auto& [k, v] : entries) {
        ++s.sas;
        if (v.action != IPSEC_ACTION_PASS) ++s.not_pass;
    }
    return s;
}

Result<void> write_summary(int fd, const ipsec_sa_summary& s) {
    const uint32_t zero = 0;
    if (bpf_map_update_elem(fd, &zero, &s, 0) != 0)
        return make_error(errno, "cannot write the SA summary: {}", std::strerror(errno));
    return {};
}

}  // namespace

Result<void> SaDatabase::publish_summary() {
    if (summary_.get() < 0) return {};  // an older database, opened without create
    auto entries = table_entries(table_.get());
    if (!entries) return entries.error();
    return write_summary(summary_.get(), summary_of(*entries));
}

Result<void> SaDatabase::raise_summary(const std::vector<SecurityAssociation>& sas) {
    if (summary_.get() < 0) return {};
    auto entries = table_entries(table_.get());
    if (!entries) return entries.error();
    ipsec_sa_summary s = summary_of(*entries);
    for (const auto& sa : sas) {
        ++s.sas;
        if (sa.action != IPSEC_ACTION_PASS) ++s.not_pass;
    }
    return write_summary(summary_.get(), s);
}

Result<std::vector<SaEntry>> SaDatabase::list() const {
    auto entries = table_entries(table_.get());
    if (!entries) return entries.error();
    const int cpus = std::max(libbpf_num_possible_cpus(), 1);
    std::vector<ipsec_sa_stats> percpu(static_cast<size_t>(cpus));
    std::vector<SaEntry> out;
    for (const auto& [k, v] : *entries) {
        SaEntry e{sa_from_map(k, v), v.slot, {}, 0};
        if (bpf_map_lookup_elem(stats_.get(), &v.slot, percpu.data()) == 0)
            for (const auto& c : percpu) {
                e.stats.packets += c.packets;
                e.stats.bytes += c.bytes;
                e.stats.replay += c.replay;
                e.stats.too_old += c.too_old;
                e.stats.malformed += c.malformed;
                e.stats.steer_failed += c.steer_failed;
                e.stats.highest_seq = std::max(e.stats.highest_seq, c.highest_seq);
                e.stats.decrypted += c.decrypted;
                e.stats.bad_padding += c.bad_padding;
                e.stats.crypto_error += c.crypto_error;
            }
        ipsec_replay replay{};
        if (bpf_map_lookup_elem_flags(replay_.get(), &v.slot, &replay, BPF_F_LOCK) == 0)
            e.replay_top = replay.top;
        if (keys_.get() >= 0) {
            ipsec_sa_keys keys{};
            if (bpf_map_lookup_elem(keys_.get(), &v.slot, &keys) == 0 && keys.in_use) {
                e.sa.key.assign(keys.key, keys.key + keys.key_len);
                e.sa.auth_key.assign(keys.auth_key, keys.auth_key + keys.auth_key_len);
                e.sa.salt.assign(keys.salt, keys.salt + keys.salt_len);
            }
        }
        out.push_back(std::move(e));
    }
    std::sort(out.begin(), out.end(), [](const SaEntry& a, const SaEntry& b) {
        return std::tie(a.sa.spi, a.sa.dst.family, a.sa.dst.bytes) <
               std::tie(b.sa.spi, b.sa.dst.family, b.sa.dst.bytes);
    });
    return out;
}

}  // namespace xdpkit
