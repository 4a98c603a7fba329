// keyway bench --runtime: the real worker loop (router mode, as `keyway
// run`) from net_pcap to net_null, against the I/O-only and crypto-only
// rates measured in the same run. See bench_runtime.cpp.
#pragma once

namespace keyway::cli {

// argv as cmd_bench() gets it (argv[0] is "bench"; "--runtime" is among
// the arguments and ignored here). Returns the process exit status.
int cmd_bench_runtime(int argc, char** argv);

}  // namespace keyway::cli
