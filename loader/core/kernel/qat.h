// Intel QuickAssist devices, found in sysfs. xdpkit is built without qatlib, so QAT is
// detection only: `probe` reports what is there and `accel --backend qat` says why it cannot
// run, instead of pretending with a software fallback.
#pragma once

#include <string>
#include <vector>

#include "core/base/result.h"

namespace xdpkit {

struct QatDevice {
    std::string pci;    // "0000:6b:00.0"
    uint32_t device = 0;  // PCI device id
    bool vf = false;      // a virtual function (SR-IOV) rather than the physical one
    std::string state;  // /sys/bus/pci/devices/<pci>/qat/state ("up", "down"); empty: no file
};

// Every QAT 4xxx-family device under pci_root (vendor 0x8086, the PF and VF ids of issue 9),
// and every device with a qat/state file whatever its ids.
std::vector<QatDevice> find_qat_devices(const std::string& pci_root = "/sys/bus/pci/devices");

// The one line that says exactly what was looked for.
std::string qat_search_description(const std::string& pci_root = "/sys/bus/pci/devices");

// Why `--backend qat` cannot run here: no device (naming what was looked for), or a device
// but no qatlib in this build.
Error qat_unavailable(const std::vector<QatDevice>& found,
                      const std::string& pci_root = "/sys/bus/pci/devices");

}  // namespace xdpkit
