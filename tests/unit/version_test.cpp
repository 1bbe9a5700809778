// `xdpkit --version` and `xdpkit version [--json]`: this build's own facts, the same from the
// flag and the command, exit status 0 (issue 17: --version answered "A subcommand is required").
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "core/base/version.h"

namespace xdpkit {
namespace {

TEST(Version, ThisBuildFillsEveryPart) {
    const BuildVersion v = build_version();
    EXPECT_EQ(v.xdpkit, XDPKIT_MESON_PROJECT_VERSION);
    // A git description, or 'unknown' from a tree that is not a checkout; never vcs_tag's
    // placeholder.
    EXPECT_FALSE(v.git.empty());
    EXPECT_EQ(v.git.find('@'), std::string::npos) << v.git;
    EXPECT_EQ(v.libbpf, fmt::format("{}.{}", libbpf_major_version(), libbpf_minor_version()));
    EXPECT_FALSE(v.libxdp.empty());
}

struct Output {
    int status = -1;
    std::string out;
};

// The binary under test ($XDPKIT, set by meson test) with args; stdout and the exit status.
Output xdpkit(const std::string& args) {
    const char* bin = std::getenv("XDPKIT");
    if (!bin) throw std::runtime_error("XDPKIT is not set (meson test sets it)");
    FILE* p = ::popen((std::string(bin) + " " + args + " 2>/dev/null").c_str(), "r");
    if (!p) throw std::runtime_error("popen failed");
    Output o;
    char buf[256];
    for (size_t n; (n = std::fread(buf, 1, sizeof(buf), p)) > 0;) o.out.append(buf, n);
    const int st = ::pclose(p);
    o.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return o;
}

TEST(Version, TheFlagAndTheCommandPrintThisBuildsVersion) {
    const std::string text = version_text(build_version()) + "\n";
    for (const char* args : {"--version", "version"}) {
        SCOPED_TRACE(args);
        const Output o = xdpkit(args);
        EXPECT_EQ(o.status, 0);
        EXPECT_EQ(o.out, text);
    }
    EXPECT_EQ(text.rfind("xdpkit " XDPKIT_MESON_PROJECT_VERSION " (git ", 0), 0u) << text;
}

TEST(Version, JsonIsOneDocument) {
    const Output o = xdpkit("version --json");
    EXPECT_EQ(o.status, 0);
    EXPECT_EQ(o.out, to_json(build_version()).dump() + "\n");
}

}  // namespace
}  // namespace xdpkit
