#include "core/afxdp/umem.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

namespace xdpkit {
namespace {

constexpr size_t kHugePage = 2 * 1024 * 1024;

bool power_of_two(uint64_t v) { return v && (v & (v - 1)) == 0; }

std::string nr_hugepages() {
    std::ifstream in("/proc/sys/vm/nr_hugepages");
    std::string s;
    in >> s;
    return s.empty() ? "?" : s;
}

}  // namespace

Result<void> check_umem_config(const UmemConfig& c) {
    const auto page = static_cast<uint32_t>(::sysconf(_SC_PAGESIZE));
    if (!power_of_two(c.frame_size) || c.frame_size < 2048 || c.frame_size > page)
        return make_error(EINVAL,
                          "--frame-size {}: an AF_XDP frame is a power of two from 2048 to the "
                          "page size ({})",
                          c.frame_size, page);
    if (c.frame_count == 0) return make_error(EINVAL, "--frames must be at least 1");
    if (!power_of_two(c.fill_size) || !power_of_two(c.comp_size))
        return make_error(EINVAL, "AF_XDP ring sizes must be powers of two");
    return {};
}

Result<std::unique_ptr<Umem>> Umem::create(const UmemConfig& config) {
    XDPKIT_TRY(check_umem_config(config));
    std::unique_ptr<Umem> u(new Umem());
    u->config_ = config;
    const size_t bytes = size_t{config.frame_count} * config.frame_size;

    if (config.hugepages) {
        u->area_size_ = (bytes + kHugePage - 1) / kHugePage * kHugePage;
        void* p = ::mmap(nullptr, u->area_size_, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
        if (p != MAP_FAILED) {
            u->area_ = p;
            u->hugepages_ = true;
        } else {
            u->notes_.push_back(fmt::format(
                "no huge pages for the UMEM ({} MiB; vm.nr_hugepages is {}): using normal pages "
                "(reserve some with 'sysctl vm.nr_hugepages=N')",
                u->area_size_ >> 20, nr_hugepages()));
        }
    }
    if (!u->area_) {
        u->area_size_ = bytes;
        void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (p == MAP_FAILED)
            return make_error(errno, "cannot map {} MiB for the UMEM: {}", bytes >> 20,
                              std::strerror(errno));
        u->area_ = p;
    }

    xsk_umem_config cfg{};
    cfg.fill_size = config.fill_size;
    cfg.comp_size = config.comp_size;
    cfg.frame_size = config.frame_size;
    cfg.frame_headroom = 0;
    cfg.flags = 0;
    const int err = xsk_umem__create(&u->umem_, u->area_, bytes, &u->fill_, &u->comp_, &cfg);
    if (err) {
        u->umem_ = nullptr;
        return make_error(-err, "cannot register the UMEM ({} frames of {} bytes): {}{}",
                          config.frame_count, config.frame_size, std::strerror(-err),
                          -err == EPERM ? "; AF_XDP needs CAP_NET_RAW (run as root)" : "");
    }
    return u;
}

Umem::~Umem() {
    // Sockets go first (their owners hold them); an -EBUSY here would mean one is left.
    if (umem_) (void)xsk_umem__delete(umem_);
    if (area_) ::munmap(area_, area_size_);
}

}  // namespace xdpkit
