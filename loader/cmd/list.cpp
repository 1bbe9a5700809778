// xdpkit list: the programs in the suite, one line each, with their parameters.
#include <fmt/format.h>

#include "command.h"
#include "core/base/output.h"
#include "core/packets/protocols.h"
#include "core/families/families.h"

namespace xdpkit {
namespace {

std::string param_text(const ParamSpec& p) {
    std::string values;
    if (p.kind == ParamKind::Choice) {
        for (const auto& c : p.choices) values += (values.empty() ? "" : "|") + c.name;
    } else if (p.kind == ParamKind::Bool) {
        values = "true|false";
    } else if (p.kind == ParamKind::ProtoSet) {
        values = "all|PROTO[,PROTO...]";
    } else {
        values = fmt::format("{}..{}", p.min, p.max);
    }
    return fmt::format("{}={} (default {})", p.key, values, p.default_text);
}

Json family_json(const Family& f) {
    Json params = Json::array();
    for (const auto& p : f.params) {
        Json jp{{"key", p.key}, {"default", p.default_text}, {"help", p.help}};
        if (p.kind == ParamKind::Choice) {
            Json names = Json::array();
            for (const auto& c : p.choices) names.push_back(c.name);
            jp["values"] = names;
        } else if (p.kind == ParamKind::U32) {
            jp["min"] = p.min;
            jp["max"] = p.max;
        } else if (p.kind == ParamKind::ProtoSet) {
            // A comma-separated list of these names, numbers 0-255 and non-ip; or all.
            Json names = ip_proto_names();
            names.push_back("non-ip");
            jp["list_of"] = names;
        } else {
            jp["values"] = {"true", "false"};
        }
        params.push_back(jp);
    }
    Json j{{"name", f.name}, {"summary", f.summary}, {"params", params}};
    if (!f.set_up_with.empty()) j["set_up_with"] = f.set_up_with;
    return j;
}

}  // namespace

void register_list(CommandTable& t, CLI::App& app) {
    t.add(app, "list", "List the programs in the suite with their parameters",
          [](const GlobalOptions& g) -> Result<void> {
              if (g.json) {
                  Json all = Json::array();
                  for (const Family* f : all_families()) all.push_back(family_json(*f));
                  print_json(all);
                  return {};
              }
              for (const Family* f : all_families()) {
                  fmt::print("{:<10} {}\n", f->name, f->summary);
                  // Its parameters are set by that command (status shows them), not --param.
                  if (!f->set_up_with.empty()) {
                      fmt::print("{:<10}   set up with '{}'\n", "", f->set_up_with);
                      continue;
                  }
                  for (const auto& p : f->params)
                      fmt::print("{:<10}   --param {}: {}\n", "", param_text(p), p.help);
              }
              return {};
          },
          Needs::Nothing);
}

}  // namespace xdpkit
