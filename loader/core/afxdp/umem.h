// The UMEM: one memory area of equal frames that the kernel and user space pass back and
// forth through the rings, registered through libxdp's xsk API. Several sockets (one per RX
// queue) share it; each takes its own slice of frames (frame_pool.h) and its own fill and
// completion rings.
#pragma once

#include <xdp/xsk.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace xdpkit {

struct UmemConfig {
    uint32_t frame_count = 4096;
    uint32_t frame_size = XSK_UMEM__DEFAULT_FRAME_SIZE;
    uint32_t fill_size = XSK_RING_PROD__DEFAULT_NUM_DESCS;  // per socket, a power of two
    uint32_t comp_size = XSK_RING_CONS__DEFAULT_NUM_DESCS;
    bool hugepages = false;
};

// Checks what the kernel would refuse with a bare EINVAL: an aligned-mode frame is a power of
// two from 2048 bytes to the page size; rings are powers of two.
Result<void> check_umem_config(const UmemConfig& c);

class Umem {
public:
    // Maps the area (huge pages when asked and available, else normal pages and a note) and
    // registers it.
    static Result<std::unique_ptr<Umem>> create(const UmemConfig& config);
    ~Umem();
    Umem(const Umem&) = delete;
    Umem& operator=(const Umem&) = delete;

    xsk_umem* raw() const { return umem_; }
    const UmemConfig& config() const { return config_; }
    uint8_t* data(uint64_t addr) const {
        return static_cast<uint8_t*>(xsk_umem__get_data(area_, addr));
    }
    bool on_hugepages() const { return hugepages_; }
    const std::vector<std::string>& notes() const { return notes_; }

    // xsk_umem__create maps one fill and one completion ring on the UMEM's own socket; the
    // first socket created takes them over (libxdp copies them into a socket's rings only
    // when that socket is the first). Passing these very structs, not copies, matters: on a
    // failed bind libxdp unmaps rings that are not the UMEM's own, which would leave the
    // UMEM pointing at unmapped rings for the next attempt.
    xsk_ring_prod* own_fill() { return &fill_; }
    xsk_ring_cons* own_comp() { return &comp_; }
    bool own_rings_taken() const { return own_rings_taken_; }
    void mark_own_rings_taken() { own_rings_taken_ = true; }

private:
    Umem() = default;

    UmemConfig config_;
    void* area_ = nullptr;
    size_t area_size_ = 0;
    bool hugepages_ = false;
    xsk_umem* umem_ = nullptr;
    xsk_ring_prod fill_{};
    xsk_ring_cons comp_{};
    bool own_rings_taken_ = false;
    std::vector<std::string> notes_;
};

}  // namespace xdpkit
