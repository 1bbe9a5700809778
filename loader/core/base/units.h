// Rates in the units people read them in (xdp-bench, iperf): pps, Kpps, Mpps; bit/s, Kbit/s,
// Mbit/s, Gbit/s. Decimal prefixes, as network rates always are.
#pragma once

#include <string>

namespace xdpkit {

// "5.0 pps", "12.35 Kpps", "14.88 Mpps"
std::string format_pps(double pps);
// "4.70 Kbit/s", "10.00 Gbit/s"; takes bits per second
std::string format_bps(double bps);

}  // namespace xdpkit
