// A device's offload features by their ethtool names ("tx-checksum-ip-generic", "rx-gro"),
// read and changed the way `ethtool -k/-K` does: through the kernel's "ethtool" generic
// netlink family (ETHTOOL_MSG_FEATURES_GET/SET), in the namespace this thread is in.
#pragma once

#include <map>
#include <string>

#include "core/base/result.h"

namespace xdpkit {

struct DeviceFeature {
    bool active = false;
    bool changeable = false;  // in the device's hw_features; ethtool -k shows the rest [fixed]
};

// Only the features that are on or changeable; a name not in it is off and fixed.
using DeviceFeatures = std::map<std::string, DeviceFeature>;

// Feature name -> on/off.
using FeatureChanges = std::map<std::string, bool>;

Result<DeviceFeatures> read_device_features(int ifindex);

// Asks the kernel for each change. It may still keep a feature (one that depends on another),
// silently: read the features back to know.
Result<void> set_device_features(int ifindex, const FeatureChanges& changes);

// The subset of want that differs from have. A feature that needs changing but is fixed is an
// error naming it, so a caller can refuse before changing anything.
Result<FeatureChanges> plan_feature_changes(const DeviceFeatures& have, const FeatureChanges& want,
                                            const std::string& ifname);

}  // namespace xdpkit
