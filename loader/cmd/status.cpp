// xdpkit status: what is attached where.
#include <fmt/format.h>

#include "command.h"
#include "core/attach/counters.h"
#include "core/attach/status.h"
#include "core/families/families.h"

namespace xdpkit {
namespace {

void print_text(const InterfaceStatus& s) {
    if (s.prog_id == 0) {
        fmt::print("{:<16} no XDP program\n", s.name);
    } else if (!s.xdpkit) {
        fmt::print("{:<16} {} mode, program '{}' (id {}) not attached by xdpkit\n", s.name, s.mode,
                   s.prog_name, s.prog_id);
    } else {
        fmt::print("{:<16} {} mode, {} (root id {}, link id {}), pins {}\n", s.name, s.mode,
                   s.mechanism, s.prog_id, s.link_id, s.pin_dir);
        for (const auto& st : s.stages) {
            std::string params;
            for (const auto& [k, v] : st.params) params += fmt::format(" {}={}", k, v);
            std::string state;
            for (const auto& [k, v] : st.state) state += fmt::format(" {}={}", k, v);
            if (!state.empty()) params += " maps" + state;
            std::string verdicts;
            for (size_t i = 0; i < st.verdicts.size(); ++i)
                if (st.verdicts[i].packets)
                    verdicts += fmt::format(" {}:{}", kXdpActionNames[i], st.verdicts[i].packets);
            // The family's always-shown rows (unparsed), zero or not.
            std::string counters;
            for (const auto& c : st.counters)
                counters += fmt::format("  {} {}", c.name, c.total.packets);
            fmt::print("{:<16}   slot {}  {:<10} id {:<6}{}{}{}\n", "", st.slot, st.family,
                       st.prog_id, params.empty() ? "" : " params" + params,
                       verdicts.empty() ? "" : "  packets" + verdicts, counters);
        }
    }
    for (const auto& p : s.problems) fmt::print("{:<16}   problem: {}\n", "", p);
}

}  // namespace

void register_status(CommandTable& t, CLI::App& app) {
    auto ifname = std::make_shared<std::string>();
    CLI::App* cmd = t.add(app, "status", "Show what is attached where: programs, mode, ids, pins, chain order",
                          [ifname](const GlobalOptions& g) -> Result<void> {
                              std::vector<Interface> ifaces;
                              if (!ifname->empty()) {
                                  auto i = find_interface(*ifname);
                                  if (!i) return i.error();
                                  ifaces.push_back(*i);
                              } else {
                                  ifaces = list_interfaces();
                              }
                              const FamilyLookup lookup = [](const std::string& n) -> const Family* {
                                  auto f = find_family(n);
                                  return f ? *f : nullptr;
                              };
                              Json all = Json::array();
                              for (const auto& i : ifaces) {
                                  auto s = interface_status(i, lookup);
                                  if (!s) return s.error();
                                  if (g.json)
                                      all.push_back(to_json(*s));
                                  else
                                      print_text(*s);
                              }
                              // Folders of namespaces that are gone or re-created: not of
                              // this namespace or any other, and nothing else shows them.
                              auto stale = stale_folders();
                              if (!stale) return stale.error();
                              for (const auto& f : *stale) {
                                  if (g.json)
                                      all.push_back(to_json(f));
                                  else
                                      fmt::print("{:<16} {}\n", "stale pins", stale_line(f));
                              }
                              if (g.json) print_json(all);
                              return {};
                          });
    cmd->add_option("iface", *ifname, "Interface (default: every interface)");
}

}  // namespace xdpkit
