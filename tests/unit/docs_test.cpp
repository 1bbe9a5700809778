// docs/<command>.md must name every option and positional of the command's --help, so the
// two cannot drift apart (xdp-tools keeps its man pages and usage in one source for the same
// reason).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cmd/command.h"

namespace xdpkit {
namespace {

std::string read_doc(const std::string& name) {
    std::ifstream in(std::string(XDPKIT_SOURCE_DIR) + "/docs/" + name + ".md");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void check_documented(CLI::App* cmd, const std::string& doc_name, const std::string& doc) {
    for (const CLI::Option* opt : cmd->get_options()) {
        if (opt->get_name() == "--help") continue;
        std::string name = opt->get_name(false, true);  // positional: its name
        if (!opt->get_lnames().empty()) name = "--" + opt->get_lnames().front();
        if (opt->get_positional()) {
            std::string upper;
            for (char c : opt->get_name()) upper += static_cast<char>(std::toupper(c));
            name = upper;
        }
        EXPECT_NE(doc.find(name), std::string::npos)
            << "docs/" << doc_name << ".md does not mention " << name;
    }
}

TEST(Docs, EveryCommandHasAPageNamingAllItsOptions) {
    CLI::App app;
    CommandTable table;
    register_all_commands(table, app);
    const std::string overview = read_doc("xdpkit");
    ASSERT_FALSE(overview.empty()) << "docs/xdpkit.md is missing";
    for (CLI::App* cmd : app.get_subcommands({})) {
        SCOPED_TRACE(cmd->get_name());
        const std::string doc = read_doc(cmd->get_name());
        ASSERT_FALSE(doc.empty()) << "docs/" << cmd->get_name() << ".md is missing";
        EXPECT_NE(doc.find("xdpkit " + cmd->get_name()), std::string::npos);
        EXPECT_NE(overview.find("xdpkit " + cmd->get_name()), std::string::npos)
            << "docs/xdpkit.md does not list " << cmd->get_name();
        check_documented(cmd, cmd->get_name(), doc);
        for (CLI::App* sub : cmd->get_subcommands({})) check_documented(sub, cmd->get_name(), doc);
    }
}

}  // namespace
}  // namespace xdpkit
