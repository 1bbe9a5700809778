// The SA database the ipsec programs steer by: their shared maps (SA table, replay windows,
// per-SA counters, the cpumap and XSKMAP of the SA targets) and a key map only user space
// reads. One per network namespace, pinned in /sys/fs/bpf/xdpkit/<netns>/ipsec:sad (':'
// cannot be in an interface name, so it never clashes with an interface's directory), and
// every ipsec program there uses it, as xdp-filter shares its maps across interfaces. It is
// found only through the namespace's folder (pin_folder.h), so a namespace never inherits
// the SA database — keys included — of a dead one that had its name.
// `xdpkit run` gets a private one over its own program instance.
#pragma once

#include <bpf/libbpf.h>

#include <xdpkit/ipsec.h>

#include <optional>
#include <string>
#include <vector>

#include "core/base/fd.h"
#include "core/ipsec/ipsec_crypto.h"
#include "core/ipsec/ipsec_sa.h"
#include "core/base/result.h"

namespace xdpkit {

class LoadedProgram;

// The SA database's entry in a namespace's pin folder.
constexpr const char* kSaDatabasePin = "ipsec:sad";

// /sys/fs/bpf/xdpkit/<current netns>/ipsec:sad when this namespace has an SA database;
// nullopt when it has none (its folder is missing, or stale: of another namespace).
Result<std::optional<std::string>> sa_database_dir();

// Family hook, before load: makes the namespace's database when there is none (its summary
// current), then points the object's shared maps at its pins, so libbpf reuses them.
Result<void> share_sa_database(bpf_object* obj);

// One SA as the database holds it, with what the program counted for it.
struct SaEntry {
    SecurityAssociation sa;
    uint32_t slot = 0;
    ipsec_sa_stats stats{};  // summed over CPUs (highest_seq: the highest of them)
    uint32_t replay_top = 0;  // highest verified sequence number
};

class SaDatabase {
public:
    // The namespace's database. create: make it (by loading the ipsec object once, so the
    // maps are exactly what the program declares) when nothing is pinned yet.
    static Result<SaDatabase> open_pinned(bool create);
    // A loaded ipsec program's own maps (`xdpkit run`, tests): no key map.
    static Result<SaDatabase> of_program(const LoadedProgram& p);

    // Adds all of them or none: a duplicate of an existing SA, a full table, a CPU that is
    // not online, or a kernel error leaves the database as it was. Inline SAs get their
    // cbc(aes) context here (ipsec_crypto.h); the kernel must have the crypto kfuncs, or
    // nothing is added.
    Result<void> add(const std::vector<SecurityAssociation>& sas);
    // Removes the SA of (spi, dst); its slot's counters, window, keys and crypto context
    // are cleared (the context released).
    Result<SaEntry> remove(uint32_t spi, const IpAddress& dst);
    // Removes every SA. When no ipsec stage of this namespace is pinned any more, the
    // database's pins go too (true is returned), as `ip xfrm state flush` leaves nothing.
    Result<bool> flush();
    // The crypto engine's half of anti-replay: marks seq of the SA in slot verified (its ICV
    // checked), moving the window the program's pre-check reads. One writer per SA (the
    // engine thread that owns it); the spin lock keeps the program from reading a torn window.
    Result<void> mark_verified(uint32_t slot, uint32_t seq);
    // The window of the SA in slot, read under the lock.
    Result<ipsec_replay> window(uint32_t slot) const;
    // The live engine's way: it keeps the SA's window in memory (it is the one writer) and
    // publishes the whole of it once per batch — one system call per SA and batch instead of
    // one per packet. Written under the lock, so the program never reads it torn.
    Result<void> store_window(uint32_t slot, const ipsec_replay& r);
    // Recounts sa_summary from the table (what the program decides unparsed frames by).
    // add, remove and flush do it themselves; attach does it before a program loads.
    Result<void> publish_summary();
    // Every SA, ordered by SPI then destination, with its keys when the key map has them
    // (the crypto engine needs them; to_json(SecurityAssociation) prints a fingerprint).
    Result<std::vector<SaEntry>> list() const;

    int table_fd() const { return table_.get(); }
    int replay_fd() const { return replay_.get(); }
    int xsks_fd() const { return xsks_.get(); }
    int crypto_fd() const { return crypto_.get(); }
    const std::string& where() const { return where_; }
    // What opening it did to the namespace's folder (a stale one pruned, an old one adopted).
    const std::vector<std::string>& notes() const { return notes_; }

private:
    SaDatabase() = default;
    Result<void> ensure_cpu(uint32_t cpu);
    void release_cpus();
    Result<void> clear_slot(uint32_t slot);
    // The summary with sas counted in ahead of their table entries.
    Result<void> raise_summary(const std::vector<SecurityAssociation>& sas);
    Result<std::optional<CryptoContexts>> crypto_for(
        const std::vector<SecurityAssociation>& sas) const;

    std::string where_;  // pin directory, or "program" for a private instance
    std::vector<std::string> notes_;
    Fd table_, replay_, stats_, cpus_, xsks_, keys_;
    Fd crypto_;  // sa_crypto: the inline SAs' contexts (-1 in a database older than it)
    Fd summary_;  // sa_summary (-1 in a database older than it, opened without create)
};

}  // namespace xdpkit
