#include "core/kernel/probe.h"

#include "core/base/nl_ptr.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netlink/route/link.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include <fmt/format.h>

#include "core/kernel/bpffs.h"
#include "core/base/fd.h"
#include "core/base/libbpf_log.h"
#include "core/kernel/load_failure.h"
#include "probe.skel.h"
#include "probe_freplace.skel.h"
#include "core/kernel/qat.h"
#include "core/kernel/rtnl.h"
#include "core/base/skel_ptr.h"

// Bookworm's linux/bpf.h has it; older uapi headers do not (added in Linux 5.18).
#ifndef BPF_F_TEST_XDP_LIVE_FRAMES
#define BPF_F_TEST_XDP_LIVE_FRAMES (1U << 1)
#endif

namespace xdpkit {
namespace {


ProbeResult yes(std::string feature, std::string detail = {}) {
    return {std::move(feature), true, std::move(detail)};
}
ProbeResult no(std::string feature, std::string detail) {
    return {std::move(feature), false, std::move(detail)};
}
ProbeResult unknown(std::string feature, std::string detail) {
    return {std::move(feature), std::nullopt, std::move(detail)};
}

// ---- rtnetlink (libnl-route): lo in the private namespace ----

// A fresh namespace's lo is down; live frames are received on it, so bring it up.
Result<int> bring_lo_up() {
    auto sock = connect_route();
    if (!sock) return sock.error();
    auto lo = get_link(sock->get(), 0, "lo");
    if (!lo) return lo.error();
    const int ifindex = rtnl_link_get_ifindex(lo->get());
    if (rtnl_link_get_flags(lo->get()) & IFF_UP) return ifindex;
    RtnlLink change(rtnl_link_alloc());
    if (!change) return make_error(ENOMEM, "cannot allocate a link change");
    rtnl_link_set_flags(change.get(), IFF_UP);
    if (int e = rtnl_link_change(sock->get(), lo->get(), change.get(), 0); e < 0)
        return make_error(EIO, "cannot bring lo up: {}", nl_geterror(e));
    return ifindex;
}

// ---- the probe program, and what a private namespace shows about it ----

using ProbeSkel = SkelPtr<probe_bpf>;

Result<ProbeSkel> load_probe_program() {
    const size_t log_mark = libbpf_log_mark();
    ProbeSkel skel(probe_bpf::open_and_load());
    if (!skel) {
        const int e = errno;
        return Error{explain_load_failure("probe", e, log_mark), e};
    }
    return skel;
}

// Crosses the pipe from the child as raw bytes, so it holds no pointers. Errnos, 0 = worked.
struct NetnsReport {
    int setup_err = 0;       // the step that stopped the probe before it attached anything
    char setup_what[160] = {};
    int link_err = 0;        // bpf_link_create(BPF_XDP, XDP_FLAGS_SKB_MODE) on lo
    int netlink_skb_err = 0;  // the netlink attach in skb mode, tried only when the link failed
    int live_frames_err = 0;
};

// 64 bytes of Ethernet/IPv4/UDP from 198.18.0.1 to 198.18.0.2 (RFC 2544 benchmarking range,
// the only addresses xdpkit sends to), discard port, UDP checksum 0 (allowed over IPv4).
std::array<uint8_t, 64> probe_frame() {
    std::array<uint8_t, 64> f{};
    const uint8_t head[] = {
        0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,  // Ethernet, IPv4
        0x45, 0, 0, 50, 0, 0, 0x40, 0, 64, 17, 0, 0,                 // IPv4, DF, TTL 64, UDP
        198, 18, 0, 1, 198, 18, 0, 2,                                // src, dst
        0x30, 0x39, 0, 9, 0, 30, 0, 0};                              // UDP 12345 -> 9, len 30
    std::memcpy(f.data(), head, sizeof(head));
    uint32_t sum = 0;
    for (size_t i = 14; i < 34; i += 2) sum += (f[i] << 8) | f[i + 1];
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    f[24] = static_cast<uint8_t>(~sum >> 8);
    f[25] = static_cast<uint8_t>(~sum & 0xff);
    return f;
}

int run_live_frame(int prog_fd, int ifindex) {
    auto frame = probe_frame();
    xdp_md ctx{};
    ctx.data_end = frame.size();  // the kernel insists the context describes the data exactly
    ctx.ingress_ifindex = static_cast<uint32_t>(ifindex);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_size_in = frame.size(),
                .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1,
                .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
    return bpf_prog_test_run_opts(prog_fd, &opts) == 0 ? 0 : errno;
}

// Attaches through bpf_link first; if that fails, the old netlink attach tells whether skb
// mode itself works, so the two features are reported apart.
void attach_to_lo(int prog_fd, int ifindex, NetnsReport& r) {
    LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = XDP_FLAGS_SKB_MODE);
    Fd link(bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts));
    if (link.valid()) return;
    r.link_err = errno;
    if (bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_SKB_MODE, nullptr) != 0) r.netlink_skb_err = errno;
}

// Runs in the forked child: everything it attaches dies with its namespace when it exits.
NetnsReport probe_in_child(int prog_fd) {
    NetnsReport r;
    auto fail = [&r](int err, const std::string& what) {
        r.setup_err = err;
        std::snprintf(r.setup_what, sizeof(r.setup_what), "%s", what.c_str());
        return r;
    };
    if (::unshare(CLONE_NEWNET) != 0)
        return fail(errno, fmt::format("cannot create a private network namespace: {}",
                                       std::strerror(errno)));
    auto lo = bring_lo_up();
    if (!lo) return fail(lo.error().err, lo.error().message);
    attach_to_lo(prog_fd, *lo, r);
    r.live_frames_err = run_live_frame(prog_fd, *lo);
    return r;
}

bool read_full(int fd, void* buf, size_t len) {
    auto* p = static_cast<char*>(buf);
    while (len > 0) {
        const ssize_t n = ::read(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        len -= static_cast<size_t>(n);
    }
    return true;
}

// Forks so that unshare() changes only the child's namespace, never this process's (whose
// namespace may be the root one). The child's report comes back through a pipe.
Result<NetnsReport> probe_private_netns(int prog_fd) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return make_error(errno, "cannot create a pipe: {}", std::strerror(errno));
    Fd rd(fds[0]), wr(fds[1]);
    const pid_t pid = ::fork();
    if (pid < 0) return make_error(errno, "cannot fork: {}", std::strerror(errno));
    if (pid == 0) {
        const NetnsReport r = probe_in_child(prog_fd);
        const bool sent = ::write(wr.get(), &r, sizeof(r)) == static_cast<ssize_t>(sizeof(r));
        ::_exit(sent ? 0 : 1);  // no destructors, no atexit: the parent owns those
    }
    wr.reset();
    NetnsReport r;
    const bool got = read_full(rd.get(), &r, sizeof(r));
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!got) return make_error(EIO, "the probe child exited without a report (status {})", status);
    return r;
}

std::string not_probed(const Result<NetnsReport>& rep) {
    return "not probed: " + (!rep ? rep.error().message : std::string(rep->setup_what));
}

// xdp-native, xdp-skb and bpf-link: what attaching to lo in the private namespace showed.
std::vector<ProbeResult> attach_results(const Result<NetnsReport>& rep) {
    // Native XDP is the driver's (ndo_bpf), and lo has none: only a device can answer.
    std::vector<ProbeResult> out{unknown("xdp-native", "per device: see 'xdpkit probe IFACE'")};
    if (!rep || rep->setup_err != 0) {
        out.push_back(unknown("xdp-skb", not_probed(rep)));
        out.push_back(unknown("bpf-link", not_probed(rep)));
        return out;
    }
    if (rep->link_err == 0) {
        out.push_back(yes("xdp-skb", "attached to lo in a private namespace"));
        out.push_back(yes("bpf-link", "bpf_link_create(BPF_XDP) attached to lo"));
        return out;
    }
    const int skb_err = rep->netlink_skb_err;
    out.push_back(skb_err == 0 ? yes("xdp-skb", "attached to lo through netlink")
                               : no("xdp-skb", std::strerror(skb_err)));
    out.push_back(no("bpf-link", fmt::format("bpf_link_create(BPF_XDP) on lo: {}",
                                             std::strerror(rep->link_err))));
    return out;
}

ProbeResult live_frames_result(const Result<NetnsReport>& rep) {
    if (!rep || rep->setup_err != 0) return unknown("live-frames", not_probed(rep));
    if (rep->live_frames_err != 0)
        return no("live-frames", fmt::format("BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES: {}",
                                             std::strerror(rep->live_frames_err)));
    return yes("live-frames", "BPF_PROG_RUN injected a frame into lo");
}

// ---- freplace: what libxdp's multiprog dispatcher is made of ----

std::string freplace_refused(const char* step, int err) {
    return fmt::format("kernel refuses to {} freplace programs ({}): libxdp's dispatcher is "
                       "unusable; xdpkit chains with tail calls",
                       step, std::strerror(err));
}

ProbeResult probe_freplace(int target_fd) {
    const char* name = "freplace";
    SkelPtr<probe_freplace_bpf> skel(probe_freplace_bpf::open());
    if (!skel) return unknown(name, fmt::format("cannot open the probe: {}", std::strerror(errno)));
    bpf_program* prog = skel->progs.probe_replacement;
    if (bpf_program__set_attach_target(prog, target_fd, "probe_target") != 0)
        return unknown(name, fmt::format("cannot set the target: {}", std::strerror(errno)));
    if (probe_freplace_bpf::load(skel.get()) != 0) return no(name, freplace_refused("load", errno));
    bpf_link* link = bpf_program__attach_freplace(prog, target_fd, "probe_target");
    if (!link) return no(name, freplace_refused("attach", errno));
    bpf_link__destroy(link);
    return yes(name, "freplace programs load and attach: libxdp's dispatcher can work");
}

// ---- kfuncs in vmlinux BTF ----

struct BtfDeleter {
    void operator()(btf* b) const { btf__free(b); }
};

}  // namespace

// The names that are not BTF_KIND_FUNC records in vmlinux (kfuncs are only there).
Result<std::vector<std::string>> missing_kfuncs(const std::vector<std::string>& names) {
    std::unique_ptr<btf, BtfDeleter> vmlinux(btf__load_vmlinux_btf());
    if (!vmlinux)
        return make_error(errno, "cannot read /sys/kernel/btf/vmlinux: {}", std::strerror(errno));
    std::vector<std::string> missing;
    for (const auto& n : names)
        if (btf__find_by_name_kind(vmlinux.get(), n.c_str(), BTF_KIND_FUNC) < 0) missing.push_back(n);
    return missing;
}

const std::vector<std::string>& rx_metadata_kfuncs() {
    static const std::vector<std::string> names = {"bpf_xdp_metadata_rx_hash",
                                                   "bpf_xdp_metadata_rx_timestamp",
                                                   "bpf_xdp_metadata_rx_vlan_tag"};
    return names;
}

namespace {

std::string joined(const std::vector<std::string>& v, const char* sep = ", ") {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

// /proc/crypto lists registered algorithms as "name : <alg>" lines.
bool proc_crypto_lists(const std::string& alg) {
    std::ifstream in("/proc/crypto");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("name", 0) != 0) continue;
        const auto colon = line.find(':');
        if (colon != std::string::npos && line.substr(colon + 1) == " " + alg) return true;
    }
    return false;
}

ProbeResult probe_crypto_kfuncs() {
    const char* name = "crypto-kfuncs";
    auto missing = missing_kfuncs({"bpf_crypto_ctx_create", "bpf_crypto_decrypt"});
    if (!missing) return unknown(name, missing.error().message);
    if (!missing->empty()) return no(name, "not in vmlinux BTF: " + joined(*missing));
    // The kfuncs reach only skciphers (DESIGN.md): AES in CBC/ECB, never GCM or HMAC.
    if (!proc_crypto_lists("aes"))
        return yes(name, "kfuncs present, but /proc/crypto lists no aes cipher (a module "
                         "loads on first use, if built as one)");
    return yes(name, "bpf_crypto_ctx_create, bpf_crypto_decrypt; /proc/crypto has aes: "
                     "cbc(aes) and ecb(aes) usable (skcipher only, no GCM/HMAC)");
}

// QAT: seen in sysfs only; without qatlib in the build it can be found, never used.
ProbeResult probe_qat() {
    const auto found = find_qat_devices();
    if (found.empty()) return no("qat", "no device: looked for " + qat_search_description());
    std::vector<std::string> names;
    for (const auto& d : found)
        names.push_back(fmt::format("{} (0x{:04x} {}{})", d.pci, d.device, d.vf ? "VF" : "PF",
                                    d.state.empty() ? "" : ", " + d.state));
    return unknown("qat", joined(names) + "; this build has no qatlib, so accel cannot use it");
}

ProbeResult probe_rx_metadata_kfuncs() {
    const char* name = "rx-metadata-kfuncs";
    auto missing = missing_kfuncs(rx_metadata_kfuncs());
    if (!missing) return unknown(name, missing.error().message);
    if (!missing->empty()) return no(name, "not in vmlinux BTF: " + joined(*missing));
    return yes(name, "rx_hash, rx_timestamp, rx_vlan_tag (device-bound programs; what a "
                     "device fills in: see 'xdpkit probe IFACE')");
}

ProbeResult probe_bpffs() {
    if (bpffs_mounted()) return yes("bpffs", fmt::format("mounted at {}", kBpffsRoot));
    return no("bpffs", fmt::format("not mounted at {}; xdpkit mounts it when it can, or "
                                   "'mount -t bpf bpf {}'",
                                   kBpffsRoot, kBpffsRoot));
}

// ---- device checks ----

bool has(uint64_t bits, uint64_t bit) { return (bits & bit) != 0; }

ProbeResult check_native(const NetdevFeatures& f) {
    using namespace netdev_uapi;
    if (has(f.xdp, NETDEV_XDP_ACT_BASIC))
        return yes("xdp-native", "the driver runs XDP itself (xdp-feature basic)");
    return no("xdp-native", "no xdp-feature basic: the driver lacks native XDP; use --mode skb");
}

ProbeResult check_redirect_target(const std::string& ifname, const NetdevFeatures& f, bool veth) {
    const char* name = "receives-redirects";
    if (can_receive_redirects(f))
        return yes(name, veth ? "ndo-xmit present, but on a veth only while its peer has an XDP "
                                "program or GRO on"
                              : "ndo-xmit present");
    return no(name, no_ndo_xmit_reason(ifname, veth));
}

ProbeResult check_zerocopy(const NetdevFeatures& f, bool veth) {
    const char* name = "afxdp-zerocopy";
    if (has(f.xdp, netdev_uapi::NETDEV_XDP_ACT_XSK_ZEROCOPY))
        return yes(name, fmt::format("xsk-zerocopy, up to {} buffer(s) per frame", f.zc_max_segs));
    if (veth) return no(name, "veth has copy mode only (--zerocopy auto falls back to copy)");
    return no(name, "no xsk-zerocopy: AF_XDP works in copy mode only");
}

ProbeResult check_multi_buffer(const NetdevFeatures& f) {
    if (has(f.xdp, netdev_uapi::NETDEV_XDP_ACT_RX_SG))
        return yes("multi-buffer", "rx-sg: xdp.frags programs see frames larger than a page");
    return no("multi-buffer", "no rx-sg: native XDP needs each frame in one buffer, so a small MTU");
}

void add_rx_metadata(std::vector<ProbeResult>& out, const NetdevFeatures& f, bool veth) {
    using namespace netdev_uapi;
    struct Field {
        const char* feature;
        uint64_t bit;
        const char* kfunc;
    };
    const Field fields[] = {
        {"rx-metadata-timestamp", NETDEV_XDP_RX_METADATA_TIMESTAMP, "bpf_xdp_metadata_rx_timestamp"},
        {"rx-metadata-hash", NETDEV_XDP_RX_METADATA_HASH, "bpf_xdp_metadata_rx_hash"},
        {"rx-metadata-vlan-tag", NETDEV_XDP_RX_METADATA_VLAN_TAG, "bpf_xdp_metadata_rx_vlan_tag"},
    };
    for (const Field& fl : fields) {
        if (!has(f.rx_metadata, fl.bit)) {
            out.push_back(no(fl.feature, fmt::format("the driver does not implement {}", fl.kfunc)));
        } else if (veth && fl.bit == NETDEV_XDP_RX_METADATA_TIMESTAMP) {
            out.push_back(yes(fl.feature, "implemented, but veth has no hardware clock: reads 0 "
                                          "or no data"));
        } else {
            out.push_back(yes(fl.feature, fmt::format("{} (device-bound programs)", fl.kfunc)));
        }
    }
}

void add_tx_metadata(std::vector<ProbeResult>& out, const NetdevFeatures& f, bool veth) {
    using namespace netdev_uapi;
    const std::pair<const char*, uint64_t> fields[] = {
        {"tx-metadata-timestamp", NETDEV_XSK_FLAGS_TX_TIMESTAMP},
        {"tx-metadata-checksum", NETDEV_XSK_FLAGS_TX_CHECKSUM},
        {"tx-metadata-launch-time", NETDEV_XSK_FLAGS_TX_LAUNCH_TIME_FIFO},
    };
    for (const auto& [feature, bit] : fields) {
        if (has(f.xsk, bit))
            out.push_back(yes(feature, "AF_XDP TX metadata (xsk-features)"));
        else
            out.push_back(no(feature, veth ? "veth does not implement AF_XDP TX metadata"
                                           : "not in the device's xsk-features"));
    }
}

}  // namespace

std::vector<ProbeResult> probe_kernel() {
    std::vector<ProbeResult> out{probe_bpffs()};
    auto skel = load_probe_program();
    const int prog_fd = skel ? bpf_program__fd((*skel)->progs.xdpkit_probe) : -1;
    const Result<NetnsReport> report =
        skel ? probe_private_netns(prog_fd) : Result<NetnsReport>(skel.error());
    for (auto& r : attach_results(report)) out.push_back(std::move(r));
    // Only after the child has exited: an attached freplace changes what the target runs.
    out.push_back(skel ? probe_freplace(prog_fd)
                       : unknown("freplace", "not probed: " + skel.error().message));
    out.push_back(live_frames_result(report));
    out.push_back(probe_crypto_kfuncs());
    out.push_back(probe_qat());
    out.push_back(probe_rx_metadata_kfuncs());
    return out;
}

std::vector<ProbeResult> device_checks(const std::string& ifname, const NetdevFeatures& f,
                                       bool is_veth) {
    std::vector<ProbeResult> out{check_native(f), check_redirect_target(ifname, f, is_veth),
                                 check_zerocopy(f, is_veth), check_multi_buffer(f)};
    add_rx_metadata(out, f, is_veth);
    add_tx_metadata(out, f, is_veth);
    return out;
}

Result<DeviceProbe> probe_device(const Interface& iface) {
    auto features = query_netdev_features(iface.ifindex);
    if (!features)
        return make_error(features.error().err, "{}: {}", iface.name, features.error().message);
    auto kind = link_kind(iface.ifindex);
    if (!kind) return make_error(kind.error().err, "{}: {}", iface.name, kind.error().message);
    DeviceProbe d{iface, *kind, *features, {}};
    d.checks = device_checks(iface.name, d.features, d.kind == "veth");
    return d;
}

std::string render_probe_line(const ProbeResult& r) {
    const char* verdict = !r.supported ? "n/a" : *r.supported ? "yes" : "no";
    std::string line = fmt::format("{:<23} {:<4}", r.feature, verdict);
    if (!r.detail.empty()) line += " " + r.detail;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line;
}

Json to_json(const ProbeResult& r) {
    Json j{{"feature", r.feature}, {"supported", nullptr}, {"detail", r.detail}};
    if (r.supported) j["supported"] = *r.supported;
    return j;
}

Json to_json(const DeviceProbe& d) {
    Json checks = Json::array();
    for (const auto& c : d.checks) checks.push_back(to_json(c));
    return {{"ifname", d.iface.name},
            {"ifindex", d.iface.ifindex},
            {"kind", d.kind},
            {"xdp_features", xdp_feature_names(d.features.xdp)},
            {"xdp_zc_max_segs", d.features.zc_max_segs},
            {"xdp_rx_metadata_features", rx_metadata_feature_names(d.features.rx_metadata)},
            {"xsk_features", xsk_feature_names(d.features.xsk)},
            {"checks", checks}};
}

}  // namespace xdpkit
