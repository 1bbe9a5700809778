// xdpkit prune: removes the pin folders of namespaces that are gone or were made again.
#include <fmt/format.h>

#include <map>

#include "command.h"
#include "core/base/output.h"
#include "core/attach/pin_folder.h"

namespace xdpkit {
namespace {

Json pruned_json(const std::vector<PrunedFolder>& folders, bool dry_run) {
    Json list = Json::array();
    for (const auto& p : folders)
        list.push_back({{"pin_dir", p.folder.dir},
                        {"netns", p.folder.netns},
                        {"reason", p.folder.reason},
                        {"identity", p.folder.identity.empty() ? Json(nullptr)
                                                               : Json(p.folder.identity)},
                        {"pins", p.pins},
                        {"links_detached", p.links_detached},
                        {"removed", p.removed}});
    return {{"dry_run", dry_run}, {"folders", list}};
}

// One line per folder, then its pins grouped by what they belong to (an interface, the SA
// database), so a user sees what went: "veth0: chain, drop/prog, ..., link, root".
void print_text(const std::vector<PrunedFolder>& folders, bool dry_run) {
    if (folders.empty()) {
        fmt::print("nothing to prune: every pin folder belongs to a namespace that has it\n");
        return;
    }
    for (const auto& p : folders) {
        fmt::print("{} {}: {}\n", dry_run ? "would remove" : "removed", p.folder.dir,
                   p.folder.reason);
        std::map<std::string, std::string> groups;
        for (const auto& pin : p.pins) {
            const auto slash = pin.find('/');
            const std::string group = slash == std::string::npos ? "" : pin.substr(0, slash);
            const std::string rest = slash == std::string::npos ? pin : pin.substr(slash + 1);
            auto& line = groups[group];
            line += (line.empty() ? "" : ", ") + rest;
        }
        for (const auto& [group, pins] : groups)
            fmt::print("  {}{}\n", group.empty() ? "" : group + ": ", pins);
        if (!p.links_detached.empty()) {
            std::string ids;
            for (auto id : p.links_detached) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
            fmt::print("  {} still attached: link id {}\n", dry_run ? "would detach" : "detached",
                       ids);
        }
    }
}

}  // namespace

void register_prune(CommandTable& t, CLI::App& app) {
    auto dry_run = std::make_shared<bool>(false);
    auto names = std::make_shared<std::vector<std::string>>();
    CLI::App* cmd = t.add(
        app, "prune",
        "Remove the pins of namespaces that are gone or were made again (programs, maps, SA keys)",
        [dry_run, names](const GlobalOptions& g) -> Result<void> {
            auto pruned = prune_stale_folders(*dry_run, *names);
            if (!pruned) return pruned.error();
            if (g.json)
                print_json(pruned_json(*pruned, *dry_run));
            else
                print_text(*pruned, *dry_run);
            return {};
        });
    cmd->add_flag("--dry-run", *dry_run, "Say what would be removed; change nothing");
    cmd->add_option("netns", *names,
                    "Only the stale folders filed under these namespace names (default: all)");
}

}  // namespace xdpkit
