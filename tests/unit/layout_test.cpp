// The walls of loader/core/ (core/README.md): each folder has one job and includes only the
// folders below it. Read from the sources, so a new include that runs upward — or a module
// dropped loose into core/, or a folder nobody placed — fails the unit tier.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace xdpkit {
namespace {

namespace fs = std::filesystem;

// Bottom to top: a folder may include its own and any before it, never one after it.
const std::vector<std::string> kFolders = {"base",  "kernel", "packets", "attach",
                                           "net",   "afxdp",  "hints",   "ipsec",
                                           "filter", "traffic", "families", "bench"};

fs::path core_dir() { return fs::path(XDPKIT_SOURCE_DIR) / "loader" / "core"; }

long rank(const std::string& folder) {
    const auto it = std::find(kFolders.begin(), kFolders.end(), folder);
    return it == kFolders.end() ? -1 : it - kFolders.begin();
}

TEST(LayoutTest, EveryFolderIsPlacedAndNoModuleIsLoose) {
    for (const auto& entry : fs::directory_iterator(core_dir())) {
        const std::string name = entry.path().filename();
        if (entry.is_directory())
            EXPECT_GE(rank(name), 0) << "core/" << name << "/ is not in the layout's order";
        else
            EXPECT_EQ(name, "README.md") << "core/" << name << " belongs in a subsystem folder";
    }
}

// Every include under core that names a folder above the including file's, as
// "file:line (folder) includes core/X/"; `checked` counts the include lines read.
std::vector<std::string> upward_includes(const fs::path& core, size_t& checked) {
    const std::regex include(R"re(^\s*#\s*include\s+"core/([a-z_]+)/)re");
    std::vector<std::string> found;
    for (const auto& entry : fs::recursive_directory_iterator(core)) {
        const std::string ext = entry.path().extension();
        if (ext != ".h" && ext != ".cpp") continue;
        const std::string folder = entry.path().parent_path().filename();
        std::ifstream in(entry.path());
        std::string line;
        for (int n = 1; std::getline(in, line); ++n) {
            std::smatch m;
            if (!std::regex_search(line, m, include)) continue;
            ++checked;
            if (rank(m[1]) > rank(folder))
                found.push_back(fs::relative(entry.path(), core).string() + ":" +
                                std::to_string(n) + " (" + folder + ") includes core/" +
                                m[1].str() + "/");
        }
    }
    return found;
}

TEST(LayoutTest, NoFolderIncludesOneAboveIt) {
    size_t checked = 0;
    for (const std::string& v : upward_includes(core_dir(), checked)) ADD_FAILURE() << v;
    EXPECT_GT(checked, 300u) << "the include lines were not found: has the style changed?";
}

// The check can fail: a kernel module that includes bench is caught.
TEST(LayoutTest, AnUpwardIncludeIsCaught) {
    const fs::path tmp = fs::temp_directory_path() / ("xdpkit-layout-" + std::to_string(::getpid()));
    fs::create_directories(tmp / "kernel");
    std::ofstream(tmp / "kernel" / "x.cpp") << "#include \"core/base/result.h\"\n"
                                              "#include \"core/bench/bench.h\"\n";
    size_t checked = 0;
    const auto found = upward_includes(tmp, checked);
    fs::remove_all(tmp);
    EXPECT_EQ(checked, 2u);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0], "kernel/x.cpp:2 (kernel) includes core/bench/");
}

}  // namespace
}  // namespace xdpkit
