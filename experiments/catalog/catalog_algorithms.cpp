// Sync schedules (`schedule.type`), step sizes (`step_size.type`) and local optimizers
// (`optimizer.type`) a spec can choose. Each entry: name, one-line description, declared
// parameters, optional cross-check against the run, builder. The formulas live with the classes.
#include <fmt/format.h>

#include "algorithms/optimizers/adam.hpp"
#include "algorithms/optimizers/momentum.hpp"
#include "algorithms/optimizers/sgd.hpp"
#include "algorithms/schedules/ada_lupa_linear.hpp"
#include "algorithms/schedules/ada_lupa_loss.hpp"
#include "algorithms/schedules/adacomm.hpp"
#include "algorithms/schedules/every_step.hpp"
#include "algorithms/schedules/explicit_steps.hpp"
#include "algorithms/schedules/fixed_period.hpp"
#include "algorithms/schedules/one_shot.hpp"
#include "algorithms/schedules/post_local.hpp"
#include "algorithms/step_sizes/constant.hpp"
#include "algorithms/step_sizes/inverse_time.hpp"
#include "algorithms/step_sizes/pl_theory.hpp"
#include "algorithms/step_sizes/step_decay.hpp"
#include "algorithms/step_sizes/warmup.hpp"
#include "algorithms/theory.hpp"
#include "experiments/catalog/catalog.hpp"

namespace localsgd {

namespace {

using SchedulePtr = std::unique_ptr<SyncSchedule>;
using StepSizePtr = std::unique_ptr<StepSize>;
using OptimizerPtr = std::unique_ptr<LocalOptimizer>;

void period_at_most_steps(const Params& p, const BuildContext& context, const char* name) {
  if (p.integer(name) > context.steps) {
    throw ParamRuleError(name, fmt::format("must be <= steps ({}), got {}; use {{\"type\": \"one_shot\"}} for a "
                                           "single average at T",
                                           context.steps, p.integer(name)));
  }
}

ParamSpec use_gap_param() {
  return ParamSpec::boolean("use_gap", "use F - F* instead of F (the paper drops F*)").defaults_to(false);
}

ParamSpec tau0_param() { return ParamSpec::integer("tau0", "base period tau_0").at_least(1); }

}  // namespace

const Registry<SyncSchedule>& schedule_registry() {
  static const Registry<SyncSchedule> registry{
      "schedule",
      "when the workers average their models; step T is always a sync",
      {
          {"sync", "tau = 1: average after every step (synchronous SGD, = mini-batch SGD with batch pB)", {},
           [](const Params&, const BuildContext&) -> SchedulePtr { return std::make_unique<EveryStep>(); }},
          {"fixed", "LUPA-SGD: average every `period` steps (after tau, 2 tau, ... and T)",
           {ParamSpec::integer("period", "local steps between averages (tau)").at_least(1)},
           [](const Params& p, const BuildContext&) -> SchedulePtr {
             return std::make_unique<FixedPeriod>(p.integer("period"));
           },
           [](const Params& p, const BuildContext& context) { period_at_most_steps(p, context, "period"); }},
          {"one_shot", "tau = T: a single average after the last step", {},
           [](const Params&, const BuildContext&) -> SchedulePtr { return std::make_unique<OneShot>(); }},
          {"lupa_theory",
           "fixed tau = max(1, round(c T^(2/3) / (pB)^(1/3))): the paper's O((pT)^(1/3)) rounds (Haddadpour et al. 2019)",
           {ParamSpec::number("c", "constant in front of the rate").above(0).defaults_to(1.0)},
           [](const Params& p, const BuildContext& context) -> SchedulePtr {
             return std::make_unique<FixedPeriod>(
                 lupa_theory_period(context.steps, context.workers, context.batch, p.number("c")));
           }},
          {"stich", "fixed tau = max(1, round(c sqrt(T / (pB)))): O((pT)^(1/2)) rounds (Stich, ICLR 2019)",
           {ParamSpec::number("c", "constant in front of the rate").above(0).defaults_to(1.0)},
           [](const Params& p, const BuildContext& context) -> SchedulePtr {
             return std::make_unique<FixedPeriod>(stich_period(context.steps, context.workers, context.batch, p.number("c")));
           }},
          {"ada_lupa_linear",
           "ADA-LUPA, the paper's adaptive experiment: tau_i = tau0 (1 + i alpha), syncs s_i = ceil(s_{i-1} + tau_i); "
           "give alpha or rounds E (alpha = 2T / (tau0 E (E+1)))",
           {tau0_param(), ParamSpec::number("alpha", "growth of the period per round").at_least(0).optional(),
            ParamSpec::integer("rounds", "number of rounds E, sets alpha = 2T / (tau0 E (E+1))").at_least(1).optional()},
           [](const Params& p, const BuildContext& context) -> SchedulePtr {
             const auto tau0 = static_cast<double>(p.integer("tau0"));
             const double alpha = p.has("alpha") ? p.number("alpha")
                                                 : AdaLupaLinear::alpha_for_rounds(context.steps, tau0, p.integer("rounds"));
             return std::make_unique<AdaLupaLinear>(tau0, alpha);
           },
           [](const Params& p, const BuildContext& context) {
             if (p.has("alpha") == p.has("rounds")) {
               throw ParamRuleError("", "give exactly one of \"alpha\" and \"rounds\"");
             }
             period_at_most_steps(p, context, "tau0");
           },
           Json{{"type", "ada_lupa_linear"}, {"tau0", 91}, {"rounds", 10}}},
          {"ada_lupa_loss",
           "ADA-LUPA from the loss: tau_i = ceil((F(x_0) / F(x_{s_{i-1}}))^(1/3)) tau0, at the averaged model after each sync",
           {tau0_param(), use_gap_param()},
           [](const Params& p, const BuildContext&) -> SchedulePtr {
             return std::make_unique<AdaLupaLoss>(p.integer("tau0"), p.boolean("use_gap"));
           },
           [](const Params& p, const BuildContext& context) { period_at_most_steps(p, context, "tau0"); }},
          {"adacomm",
           "AdaComm (Wang & Joshi 2019): tau = ceil(sqrt(F(x_t) / F(x_0)) tau0), re-decided every `interval` virtual seconds",
           {tau0_param(), ParamSpec::number("interval", "virtual seconds between decisions").above(0), use_gap_param()},
           [](const Params& p, const BuildContext&) -> SchedulePtr {
             return std::make_unique<AdaComm>(p.integer("tau0"), p.number("interval"), p.boolean("use_gap"));
           },
           [](const Params& p, const BuildContext& context) { period_at_most_steps(p, context, "tau0"); }},
          {"post_local", "post-local SGD (Lin et al., ICLR 2020): tau = 1 up to `switch_step`, then `period`",
           {ParamSpec::integer("switch_step", "last step of synchronous SGD").at_least(0),
            ParamSpec::integer("period", "local steps between averages after the switch").at_least(1)},
           [](const Params& p, const BuildContext&) -> SchedulePtr {
             return std::make_unique<PostLocal>(p.integer("switch_step"), p.integer("period"));
           },
           [](const Params& p, const BuildContext& context) {
             if (p.integer("switch_step") > context.steps) {
               throw ParamRuleError("switch_step", fmt::format("must be <= steps ({}), got {}", context.steps,
                                                               p.integer("switch_step")));
             }
           }},
          {"explicit", "average after each listed step (strictly increasing, within 1..T) and after T",
           {ParamSpec::integer_list("steps", "the sync steps").at_least(1)},
           [](const Params& p, const BuildContext&) -> SchedulePtr {
             const auto steps = p.integers("steps");
             return std::make_unique<ExplicitSteps>(std::vector<long>(steps.begin(), steps.end()));
           },
           [](const Params& p, const BuildContext& context) {
             const auto steps = p.integers("steps");
             for (std::size_t i = 0; i < steps.size(); ++i) {
               if (i > 0 && steps[i] <= steps[i - 1]) {
                 throw ParamRuleError(fmt::format("steps/{}", i), fmt::format("must be greater than the step before it "
                                                                              "({}), got {}", steps[i - 1], steps[i]));
               }
               if (steps[i] > context.steps) {
                 throw ParamRuleError(fmt::format("steps/{}", i),
                                      fmt::format("must be <= steps ({}), got {}", context.steps, steps[i]));
               }
             }
           }},
      }};
  return registry;
}

namespace {

// Every step-size rule takes an optional linear warm-up.
ParamSpec warmup_param() {
  return ParamSpec::integer("warmup", "linear warm-up steps in front of the rule (0: none)").at_least(0).defaults_to(0);
}

StepSizePtr with_warmup(const Params& p, StepSizePtr rule) {
  const auto steps = p.integer("warmup");
  return steps > 0 ? std::make_unique<LinearWarmup>(std::move(rule), steps) : std::move(rule);
}

long pl_theory_period(const Params& p, const BuildContext& context) {
  if (p.has("tau")) return p.integer("tau");
  if (context.schedule != nullptr) {
    if (auto longest = context.schedule->longest_period(context.steps)) return *longest;
  }
  throw ParamRuleError("", "the schedule's longest period is not known before the run (it adapts to the run): "
                           "give \"tau\" explicitly");
}

}  // namespace

const Registry<StepSize>& step_size_registry() {
  static const Registry<StepSize> registry{
      "step_size",
      "the learning rate eta_t; step t (1-based) uses eta_{t-1}; every rule takes `warmup`",
      {
          {"constant", "eta_t = value",
           {ParamSpec::number("value", "the step size").above(0), warmup_param()},
           [](const Params& p, const BuildContext&) -> StepSizePtr {
             return with_warmup(p, std::make_unique<ConstantStepSize>(p.number("value")));
           }},
          {"inverse_time", "eta_t = eta0 / (1 + t / t0)",
           {ParamSpec::number("eta0", "initial step size").above(0),
            ParamSpec::number("t0", "steps until the step size has halved").above(0), warmup_param()},
           [](const Params& p, const BuildContext&) -> StepSizePtr {
             return with_warmup(p, std::make_unique<InverseTimeStepSize>(p.number("eta0"), p.number("t0")));
           }},
          {"pl_theory",
           "the paper's PL theorem: eta_t = 4 / (mu (t + a)), a = alpha tau + 4 (mu: the problem's; tau: the "
           "schedule's longest period)",
           {ParamSpec::number("alpha", "the constant alpha in a = alpha tau + 4").at_least(0).defaults_to(1.0),
            ParamSpec::number("mu", "PL constant (default: the problem's mu)").above(0).optional(),
            ParamSpec::integer("tau", "period tau (default: the schedule's longest period)").at_least(1).optional(),
            warmup_param()},
           [](const Params& p, const BuildContext& context) -> StepSizePtr {
             double mu = 0;
             if (p.has("mu")) {
               mu = p.number("mu");
             } else if (context.problem != nullptr) {
               mu = context.problem->constants().pl;
             }
             if (!(mu > 0)) {
               throw std::invalid_argument(
                   "step_size pl_theory: the problem's PL constant mu is 0 (not strongly convex / not PL); give "
                   "\"mu\" explicitly");
             }
             return with_warmup(p, std::make_unique<PlTheoryStepSize>(mu, p.number("alpha"), pl_theory_period(p, context)));
           },
           [](const Params& p, const BuildContext& context) { pl_theory_period(p, context); }},
          {"step_decay", "eta_t = eta0 gamma^floor(t / every)",
           {ParamSpec::number("eta0", "initial step size").above(0),
            ParamSpec::number("gamma", "factor applied every `every` steps").above(0).at_most(1),
            ParamSpec::integer("every", "steps between decays").at_least(1), warmup_param()},
           [](const Params& p, const BuildContext&) -> StepSizePtr {
             return with_warmup(
                 p, std::make_unique<StepDecayStepSize>(p.number("eta0"), p.number("gamma"), p.integer("every")));
           }},
      }};
  return registry;
}

namespace {

ParamSpec weight_decay_param() {
  return ParamSpec::number("weight_decay", "L2 term lambda added to the gradient: g + lambda x").at_least(0).defaults_to(0.0);
}

ParamSpec state_at_sync_param() {
  return ParamSpec::text("state_at_sync",
                         "optimizer state at a sync: averaged like the models, kept per worker, or reset to zero")
      .one_of({"average", "keep", "reset"})
      .defaults_to("average");
}

StateAtSync state_at_sync(const Params& p) {
  const std::string rule = p.text("state_at_sync");
  return rule == "average" ? StateAtSync::average : rule == "keep" ? StateAtSync::keep : StateAtSync::reset;
}

}  // namespace

const Registry<LocalOptimizer>& optimizer_registry() {
  static const Registry<LocalOptimizer> registry{
      "optimizer",
      "the update each worker applies to its own model between syncs",
      {
          {"sgd", "x <- x - eta (g + weight_decay x)", {weight_decay_param()},
           [](const Params& p, const BuildContext&) -> OptimizerPtr {
             return std::make_unique<Sgd>(p.number("weight_decay"));
           }},
          {"momentum", "heavy ball: v <- beta v + g, x <- x - eta v (beta = 0 is sgd)",
           {ParamSpec::number("beta", "momentum coefficient").at_least(0).defaults_to(0.9), state_at_sync_param(),
            weight_decay_param()},
           [](const Params& p, const BuildContext&) -> OptimizerPtr {
             const double beta = p.number("beta");
             if (!(beta < 1)) throw std::invalid_argument("momentum: beta must be < 1");
             return std::make_unique<Momentum>(beta, state_at_sync(p), p.number("weight_decay"));
           },
           [](const Params& p, const BuildContext&) {
             if (!(p.number("beta") < 1)) throw ParamRuleError("beta", fmt::format("must be < 1, got {}", p.number("beta")));
           }},
          {"adam", "Adam (Kingma & Ba 2015) with bias correction since the state was (re)started",
           {ParamSpec::number("beta1", "first-moment decay").at_least(0).defaults_to(0.9),
            ParamSpec::number("beta2", "second-moment decay").at_least(0).defaults_to(0.999),
            ParamSpec::number("epsilon", "added to sqrt(v) in the denominator").above(0).defaults_to(1e-8),
            state_at_sync_param(), weight_decay_param()},
           [](const Params& p, const BuildContext&) -> OptimizerPtr {
             return std::make_unique<Adam>(p.number("beta1"), p.number("beta2"), p.number("epsilon"), state_at_sync(p),
                                           p.number("weight_decay"));
           },
           [](const Params& p, const BuildContext&) {
             for (const char* beta : {"beta1", "beta2"}) {
               if (!(p.number(beta) < 1)) throw ParamRuleError(beta, fmt::format("must be < 1, got {}", p.number(beta)));
             }
           }},
      }};
  return registry;
}

}  // namespace localsgd
