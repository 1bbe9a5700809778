// The program families in the suite. Adding one: its descriptor in
// core/families/<family>_family.cpp and one line in core/families/families.cpp.
#pragma once

#include <string>
#include <vector>

#include "core/attach/family.h"

namespace xdpkit {

const Family& pass_family();
const Family& drop_family();
const Family& filter_family();
const Family& baseline_family();
const Family& redirect_family();
const Family& forward_family();
const Family& afxdp_family();
const Family& ipsec_family();
const Family& hints_family();

const std::vector<const Family*>& all_families();
// The family called name, or an error listing the ones that exist.
Result<const Family*> find_family(const std::string& name);

}  // namespace xdpkit
