// Sync schedules (`schedule.type`), step sizes (`step_size.type`) and local optimizers
// (`optimizer.type`) a spec can choose.
#include <fmt/format.h>

#include "algorithms/schedules.hpp"
#include "experiments/catalog.hpp"

namespace localsgd {

const Registry<SyncSchedule>& schedule_registry() {
  static const Registry<SyncSchedule> registry{
      "schedule",
      "when the workers average their models; step T is always a sync",
      {
          {"sync", "tau = 1: average after every step (synchronous SGD, = mini-batch SGD with batch pB)", {},
           [](const Params&, const BuildContext&) -> std::unique_ptr<SyncSchedule> {
             return std::make_unique<SyncEveryStep>();
           }},
          {"fixed", "LUPA-SGD: average every `period` steps (after tau, 2 tau, ... and T)",
           {ParamSpec::integer("period", "local steps between averages (tau)").at_least(1)},
           [](const Params& p, const BuildContext&) -> std::unique_ptr<SyncSchedule> {
             return std::make_unique<FixedPeriod>(p.integer("period"));
           },
           [](const Params& p, const BuildContext& context) {
             if (p.integer("period") > context.steps) {
               throw ParamRuleError("period", fmt::format("must be <= steps ({}), got {}; use "
                                                          "{{\"type\": \"one_shot\"}} for a single average at T",
                                                          context.steps, p.integer("period")));
             }
           }},
          {"one_shot", "tau = T: a single average after the last step", {},
           [](const Params&, const BuildContext&) -> std::unique_ptr<SyncSchedule> {
             return std::make_unique<OneShot>();
           }},
      }};
  return registry;
}

const Registry<StepSize>& step_size_registry() {
  static const Registry<StepSize> registry{
      "step_size",
      "the learning rate eta_t; step t (1-based) uses eta_{t-1}",
      {
          {"constant", "eta_t = value",
           {ParamSpec::number("value", "the step size").above(0)},
           [](const Params& p, const BuildContext&) -> std::unique_ptr<StepSize> {
             return std::make_unique<ConstantStepSize>(p.number("value"));
           }},
          {"inverse_time", "eta_t = eta0 / (1 + t / t0)",
           {ParamSpec::number("eta0", "initial step size").above(0),
            ParamSpec::number("t0", "steps until the step size has halved").above(0)},
           [](const Params& p, const BuildContext&) -> std::unique_ptr<StepSize> {
             return std::make_unique<InverseTimeStepSize>(p.number("eta0"), p.number("t0"));
           }},
      }};
  return registry;
}

const Registry<LocalOptimizer>& optimizer_registry() {
  static const Registry<LocalOptimizer> registry{
      "optimizer",
      "the update each worker applies to its own model between syncs",
      {
          {"sgd", "x <- x - eta g", {},
           [](const Params&, const BuildContext&) -> std::unique_ptr<LocalOptimizer> {
             return std::make_unique<Sgd>();
           }},
      }};
  return registry;
}

}  // namespace localsgd
