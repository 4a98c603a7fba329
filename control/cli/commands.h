// The `keyway` subcommands. Each takes the arguments after its own name
// (argv[0] is the subcommand) and returns the process exit status:
// 0 success, 1 the work ran but found failures, 2 bad usage or input.
#pragma once

namespace keyway::cli {

int cmd_esp(int argc, char** argv);    // esp_cmd.cpp: offline ESP over pcap files
int cmd_bench(int argc, char** argv);  // bench_cmd.cpp: ESP throughput per core
int cmd_bench_sa(int argc, char** argv);  // bench_sa_cmd.cpp: SA install latency and churn on a worker lcore
int cmd_bench_ike(int argc, char** argv);  // bench_ike.cpp: IKE_SA+child establishments per second
int cmd_run(int argc, char** argv);    // run_cmd.cpp: the gateway daemon
int cmd_ctl(int argc, char** argv);    // run_cmd.cpp: client of the daemon's control socket
int cmd_check(int argc, char** argv);  // check_cmd.cpp: load and validate configuration files
int cmd_pki(int argc, char** argv);    // pki_cmd.cpp: lab CA, enrollment, import, CERTREQ, validation
int cmd_show(int argc, char** argv);   // show_cmd.cpp: show crypto pki certificates

}  // namespace keyway::cli
