#include "core/kernel/qat.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <span>

#include <fmt/format.h>

namespace xdpkit {
namespace {

constexpr uint32_t kIntel = 0x8086;
// QAT 4xxx family (4th generation Xeon): PF ids are even, each VF id is its PF's plus one.
constexpr uint32_t kPfIds[] = {0x4940, 0x4942, 0x4944, 0x4946};
constexpr uint32_t kVfIds[] = {0x4941, 0x4943, 0x4945, 0x4947};

// A sysfs id file holds "0x8086\n"; 0 when missing or unreadable.
uint32_t read_id(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::string text;
    if (!(in >> text)) return 0;
    try {
        return static_cast<uint32_t>(std::stoul(text, nullptr, 16));
    } catch (...) {
        return 0;
    }
}

std::string read_line(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::string line;
    std::getline(in, line);
    return line;
}

std::string id_list(std::span<const uint32_t> ids) {
    std::string s;
    for (uint32_t id : ids) s += fmt::format("{}0x{:04x}", s.empty() ? "" : "/", id);
    return s;
}

}  // namespace

std::vector<QatDevice> find_qat_devices(const std::string& pci_root) {
    std::vector<QatDevice> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(pci_root, ec)) {
        const auto dir = entry.path();
        const uint32_t vendor = read_id(dir / "vendor"), device = read_id(dir / "device");
        const bool pf = std::ranges::count(kPfIds, device) > 0;
        const bool vf = std::ranges::count(kVfIds, device) > 0;
        const bool has_state = std::filesystem::exists(dir / "qat" / "state", ec);
        if (!has_state && !(vendor == kIntel && (pf || vf))) continue;
        out.push_back({dir.filename().string(), device, vf,
                       has_state ? read_line(dir / "qat" / "state") : std::string()});
    }
    std::ranges::sort(out, {}, &QatDevice::pci);
    return out;
}

std::string qat_search_description(const std::string& pci_root) {
    return fmt::format("PCI vendor 0x8086 with device {} (PF) or {} (VF) in {}/*/, or a "
                       "{}/*/qat/state file",
                       id_list(kPfIds), id_list(kVfIds), pci_root, pci_root);
}

Error qat_unavailable(const std::vector<QatDevice>& found, const std::string& pci_root) {
    if (found.empty())
        return make_error(ENODEV, "no QAT device: looked for {}; found none. Use --backend "
                                  "ipsec-mb or openssl", qat_search_description(pci_root));
    return make_error(ENOTSUP, "QAT device {} found (state {}), but this xdpkit is built "
                               "without qatlib; use --backend ipsec-mb or openssl",
                      found.front().pci, found.front().state.empty() ? "unknown" : found.front().state);
}

}  // namespace xdpkit
