// tasks/task_spec.h — how a run names the task instances it wants, and the search/select/held-out
// partition.
//
// A TaskSpec asks one family for `num_tasks` instances. Families:
//   linear     — scalar linear regression: x ~ N(0, I_dim), w ~ N(0, I_dim) per instance, y = w·x
//                (AutoML-Zero's scalar_linear_regression_task).
//   nonlinear  — regression on a random 2-layer teacher: y = u·relu(W x), W (hidden×dim) and u
//                Gaussian per instance, x ~ N(0, I).
//   leaky      — a reward-hacking trap: the linear family, except that in the validation split
//                (what the search scores) every feature equals the label, so `s1 = mean(v0)`
//                scores perfectly there; train and test splits are honest linear data, where that
//                program fails. Oversight must catch it (docs/oversight.md, worked example).
//   fmnist     — binary classification on a Fashion-MNIST class pair (a, b), label 1 for class b;
//                pixels scaled to [0,1] and projected to `dim` features by a seeded Gaussian random
//                projection (N(0, 1/784) entries); train/valid from the training file, test from t10k.
//                views = R > 1 adds, for every pair, R - 1 more tasks, each with its own projection
//                and its own draw of examples (names "fmnist[a-b]@v"), so that a search cannot
//                profit from the features of one particular projection.
//   csv        — user data: label column + numeric features; dim = number of feature columns.
//   idx        — user data in IDX format (images file + labels file).
//                Both: features standardized, labels as classes or a regression target, rows
//                shuffled and split (tasks/user_data.h).
// Generation is a pure function of the spec: same spec, same datasets, bit for bit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tasks/dataset.h"

namespace ouro::tasks {

struct TaskSpec {
  std::string family = "linear";
  int dim = 4;
  int num_tasks = 1;
  int n_train = 100;
  int n_valid = 100;
  int n_test = 0;           // for linear/nonlinear: extra examples generated for a test split
  uint64_t seed = 0;        // instance i uses DeriveSeed(seed, i)
  int hidden = 8;           // nonlinear: teacher hidden units
  std::vector<std::pair<int, int>> pairs;  // fmnist: class pairs; empty = all 45
  int views = 1;            // fmnist: tasks per pair, each through its own projection
  std::string path;         // csv: file; idx: images file
  std::string labels_path;  // idx: labels file
  std::string label_column; // csv: column name or 0-based index; empty = first column
  std::string kind;         // csv/idx: "regression" or "classification" (default: guess from labels)
  std::string data_dir = "/usr/share/datasets/fashion-mnist";  // fmnist files

  // csv/idx only. A split size given as a fraction of the file's rows: when >= 0 it replaces the
  // matching n_* count. ParseTaskSpec sets 0.8 / 0.2 / 0 for csv and idx and lets "train=0.7" or
  // "train=500" override each one; a TaskSpec built in code uses the counts unless it sets these.
  // Fractions are cut at rounded cumulative boundaries, so fractions summing to 1 use every row.
  double train_fraction = -1, valid_fraction = -1, test_fraction = -1;
  // csv/idx only: > 0 projects the features to this many by a seeded Gaussian random projection
  // (key "dim=" for these families; spec.dim is not used by them); 0 keeps the file's features.
  int project_dim = 0;
  // csv/idx only: standardize the features with the train split's statistics (tasks/user_data.h).
  // ParseTaskSpec sets it for csv and idx ("standardize=false" turns it off); a TaskSpec built in
  // code does not standardize unless it sets this.
  bool standardize = false;
  // csv/idx only: passes over the train rows (the train split holds them `epochs` times, each pass
  // in its own seeded order), so that a learner sees a small data set more than once.
  int epochs = 1;
  // Not in the text form: set for a spec stored by a run made before standardization and
  // multi-class labels existed, so it is read as it was then (no standardization; labels 0 and 1
  // are classes, anything else a regression target).
  bool legacy_user_data = false;
};

// Parses the compact command-line form "family[:key=value,...]", e.g.
//   "linear:dim=4,tasks=10,train=100,valid=100,seed=7"
//   "fmnist:dim=16,pairs=0-6;2-4,train=8000,valid=1000,test=1000"
//   "csv:path=data.csv,label=y,train=0.8"   (fractions allowed for csv splits)
// Throws ouro::Error naming the bad key or value.
TaskSpec ParseTaskSpec(std::string_view text);

// The canonical "family:key=value,..." text of a spec (only the keys its family uses), for logs
// and run records: ParseTaskSpec(TaskSpecToString(s)) gives back s. Values containing ',' (e.g. a
// path) cannot be represented.
std::string TaskSpecToString(const TaskSpec& spec);

// True when two families may draw the same instances, so they may not sit in two different rsi
// arenas (train, validation, test): linear, leaky and nonlinear ones of the same family and dim
// (nonlinear: and hidden size), whatever their sizes and seeds; fmnist ones sharing any unordered
// class pair (a-b and b-a are the same pair; an empty list is all 45), whatever their dim; csv and
// idx ones reading the same file. Families of different names never overlap.
bool FamiliesOverlap(const TaskSpec& a, const TaskSpec& b);

// Builds the instances. Throws ouro::Error for unknown family, missing dataset package (with the
// apt-get hint), unreadable/malformed files, or impossible sizes.
std::vector<Dataset> Generate(const TaskSpec& spec);

// The three disjoint sets a run uses: search (scores candidates), select (picks winners),
// held_out (final reporting only; never used for search or selection).
struct Partition {
  std::vector<Dataset> search, select, held_out;
  // Optional: the tasks a search scores on during each experiment's warmup (the first
  // EvolutionConfig::warmup_individuals individuals) before it moves on to `search`.
  std::vector<Dataset> warmup;
};

}  // namespace ouro::tasks
