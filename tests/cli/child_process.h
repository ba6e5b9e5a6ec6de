// child_process.h — the ouro binary as a child process of an end-to-end test, with stdout and
// stderr appended to a log file: for runs that other commands control or kill while they run.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace ouro_test {

// A child process running the ouro binary with stdout/stderr to files.
struct Child {
  pid_t pid = -1;
  int Wait() {
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  bool Exited(int* code) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) != pid) return false;
    pid = -1;
    *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return true;
  }
  void Kill() {
    kill(pid, SIGKILL);
    Wait();
  }
};

inline Child Spawn(const std::vector<std::string>& args, const std::string& log) {
  Child c;
  c.pid = fork();
  if (c.pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    std::string bin = OURO_BIN;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  return c;
}

}  // namespace ouro_test
