// temp_dir_test.h — a test fixture with a fresh temporary folder per test (removed after it) and
// Write(name, text) to put a file there; shared by the meta tests that load files.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace ouro::meta::test {

class TempDirTest : public ::testing::Test {
 protected:
  explicit TempDirTest(const std::string& prefix) : prefix_(prefix) {}
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / (prefix_ + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    const std::filesystem::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  std::filesystem::path dir_;

 private:
  std::string prefix_;
};

}  // namespace ouro::meta::test
