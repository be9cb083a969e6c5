// Problem types a spec can choose (`problem.type`).
#include <fmt/format.h>

#include "experiments/catalog.hpp"
#include "problems/least_squares.hpp"
#include "problems/partition.hpp"
#include "problems/regression_data.hpp"

namespace localsgd {

const Registry<Problem>& problem_registry() {
  static const Registry<Problem> registry{
      "problem",
      "the objective F and how its data is spread over the workers",
      {
          {"least_squares",
           "F(x) = (1/2n)|Ax - y|^2 on synthetic data: rows a_j ~ N(0, I), y = A x_true + noise; "
           "x*, F*, L, mu exact; i.i.d. shards, mini-batches sampled with replacement",
           {ParamSpec::integer("samples", "number of rows n of A").at_least(1).defaults_to(4000),
            ParamSpec::integer("dim", "dimension d of x").at_least(1).defaults_to(20),
            ParamSpec::number("noise", "standard deviation of the label noise").at_least(0).defaults_to(0.1),
            ParamSpec::integer("data_seed", "seed of the data and of the shard assignment (the run seed "
                                            "drives sampling only, so seeds share one data set)")
                .at_least(0)
                .defaults_to(0),
            ParamSpec::text("partition", "how rows are assigned to workers").one_of({"iid"}).defaults_to("iid")},
           [](const Params& p, const BuildContext& context) -> std::unique_ptr<Problem> {
             const SyntheticRegressionOptions options{p.integer("samples"), p.integer("dim"), p.number("noise")};
             const auto data_seed = static_cast<std::uint64_t>(p.integer("data_seed"));
             auto data = make_synthetic_regression(options, data_seed);
             auto shards = iid_partition(options.samples, context.workers, data_seed);
             return std::make_unique<LeastSquares>(std::move(data), std::move(shards));
           },
           [](const Params& p, const BuildContext& context) {
             if (p.integer("samples") < context.workers) {
               throw ParamRuleError("samples", fmt::format("must be >= workers ({}) so that every worker's shard "
                                                           "holds at least one sample, got {}",
                                                           context.workers, p.integer("samples")));
             }
           }},
      }};
  return registry;
}

}  // namespace localsgd
