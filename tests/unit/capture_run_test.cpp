// xdpkit run without the kernel: what it refuses before loading anything, and its JSON.
#include <gtest/gtest.h>

#include "core/families/families.h"
#include "core/attach/capture_run.h"
#include "core/attach/counters.h"
#include "core/packets/pcap_file.h"
#include "support/packet.h"
#include "support/temp_dir.h"

namespace xdpkit {
namespace {

std::string run_error(const CaptureRunRequest& req) {
    auto r = run_capture(req);
    return r ? std::string("(no error)") : r.error().message;
}

TEST(CaptureRun, RefusesADeviceBoundProgram) {
    Family bound;
    bound.name = "hints";
    bound.device_bound = true;
    const std::string msg = run_error({&bound, {}, "/nonexistent.pcap", "", 1});
    EXPECT_EQ(msg,
              "'hints' is a device-bound program: BPF_PROG_RUN cannot run a device-bound "
              "program; attach it to a device instead");
}

TEST(CaptureRun, RefusesAnEmptyCapture) {
    test::TempDir dir;
    ASSERT_TRUE(write_pcap(dir.file("empty.pcap"), {}));
    EXPECT_EQ(run_error({&drop_family(), {}, dir.file("empty.pcap"), "", 1}),
              dir.file("empty.pcap") + ": the capture holds no packets; nothing to run");
}

TEST(CaptureRun, RefusesOutTogetherWithRepeat) {
    const std::string msg = run_error({&drop_family(), {}, "x.pcap", "y.pcap", 10});
    EXPECT_NE(msg.find("--out with --repeat 10"), std::string::npos) << msg;
}

TEST(CaptureRun, NamesUnknownVerdictsByNumber) {
    EXPECT_EQ(verdict_name(3), "tx");
    EXPECT_EQ(verdict_name(9), "9");
}

TEST(JsonShapes, RunReport) {
    CaptureRunReport r;
    r.program = "drop";
    r.params = {{"action", "drop"}};
    r.pcap = "in.pcap";
    r.repeat = 10;
    r.frames = {{1, 60, 60, 60, 1, 7, {}}, {2, 64, 1442, 64, 1, 9, {}}};
    r.counters = {{"action_counters", "verdict", {{1, "drop", 20, 1240}}},
                  {"proto_counters", "protocol", {{17, "udp", 20, 1240}}}};
    EXPECT_EQ(to_json(r).dump(),
              R"({"program":"drop","params":{"action":"drop"},"pcap":"in.pcap","out":null,)"
              R"("repeat":10,"packets":[)"
              R"({"index":1,"len_in":60,"wire_len":60,"len_out":60,"verdict":"drop","duration_ns":7},)"
              R"({"index":2,"len_in":64,"wire_len":1442,"len_out":64,"verdict":"drop","duration_ns":9}],)"
              R"("not_run":0,"mean_ns":8.0,"counters":{)"
              R"("action_counters":[{"index":1,"verdict":"drop","packets":20,"bytes":1240}],)"
              R"("proto_counters":[{"index":17,"protocol":"udp","packets":20,"bytes":1240}]}})");
}

}  // namespace
}  // namespace xdpkit
