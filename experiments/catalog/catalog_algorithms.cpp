// Sync schedules (`schedule.type`), step sizes (`step_size.type`) and local optimizers
// (`optimizer.type`) a spec can choose. Each type: an options struct whose `fields` bind every
// parameter (name, type, default, bounds, help) to a field, a builder from the typed options and,
// for rules that involve the run, a cross-check. The formulas live with the classes.
#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <vector>

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

void period_at_most_steps(std::int64_t period, const BuildContext& context, const char* name) {
  if (period > context.steps) {
    throw ParamRuleError(name, fmt::format("must be <= steps ({}), got {}; use {{\"type\": \"one_shot\"}} for a "
                                           "single average at T",
                                           context.steps, period));
  }
}

// --- schedules -------------------------------------------------------------------------------

struct NoOptions {
  static void fields(auto&) {}
};

struct FixedOptions {
  std::int64_t period{};
  static void fields(auto& f) {
    f.integer("period", &FixedOptions::period).at_least(1).doc("local steps between averages (tau)");
  }
};

// lupa_theory and stich: a constant in front of the rate.
struct RateConstantOptions {
  double c{};
  static void fields(auto& f) {
    f.number("c", &RateConstantOptions::c).greater_than(0).defaults_to(1.0).doc("constant in front of the rate");
  }
};

struct AdaLupaLinearOptions {
  std::int64_t tau0{};
  std::optional<double> alpha;
  std::optional<std::int64_t> rounds;
  static void fields(auto& f) {
    f.integer("tau0", &AdaLupaLinearOptions::tau0).at_least(1).doc("base period tau_0");
    f.number("alpha", &AdaLupaLinearOptions::alpha).at_least(0).optional().doc("growth of the period per round");
    f.integer("rounds", &AdaLupaLinearOptions::rounds)
        .at_least(1)
        .optional()
        .doc("number of rounds E, sets alpha = 2T / (tau0 E (E+1))");
  }
};

// ada_lupa_loss and adacomm (adacomm adds `interval` between the two).
void use_gap_field(auto& f, auto member) {
  f.boolean("use_gap", member).defaults_to(false).doc("use F - F* instead of F (the paper drops F*)");
}

struct AdaLupaLossOptions {
  std::int64_t tau0{};
  bool use_gap = false;
  static void fields(auto& f) {
    f.integer("tau0", &AdaLupaLossOptions::tau0).at_least(1).doc("base period tau_0");
    use_gap_field(f, &AdaLupaLossOptions::use_gap);
  }
};

struct AdaCommOptions {
  std::int64_t tau0{};
  double interval{};
  bool use_gap = false;
  static void fields(auto& f) {
    f.integer("tau0", &AdaCommOptions::tau0).at_least(1).doc("base period tau_0");
    f.number("interval", &AdaCommOptions::interval).greater_than(0).doc("virtual seconds between decisions");
    use_gap_field(f, &AdaCommOptions::use_gap);
  }
};

struct PostLocalOptions {
  std::int64_t switch_step{};
  std::int64_t period{};
  static void fields(auto& f) {
    f.integer("switch_step", &PostLocalOptions::switch_step).at_least(0).doc("last step of synchronous SGD");
    f.integer("period", &PostLocalOptions::period).at_least(1).doc("local steps between averages after the switch");
  }
};

struct ExplicitOptions {
  std::vector<long> steps;
  static void fields(auto& f) { f.integer_list("steps", &ExplicitOptions::steps).at_least(1).doc("the sync steps"); }
};

template <class Options, class Build, class Check = std::nullptr_t>
TypeEntry<SyncSchedule> schedule(std::string name, std::string help, Build build, Check check = nullptr,
                                 Json example = nullptr) {
  return bound_entry<Options, SyncSchedule>(std::move(name), std::move(help), build, check, std::move(example));
}

}  // namespace

const Registry<SyncSchedule>& schedule_registry() {
  static const Registry<SyncSchedule> registry{
      "schedule",
      "when the workers average their models; step T is always a sync",
      {
          schedule<NoOptions>("sync", "tau = 1: average after every step (synchronous SGD, = mini-batch SGD with batch pB)",
                              [](const NoOptions&, const BuildContext&) -> SchedulePtr { return std::make_unique<EveryStep>(); }),
          schedule<FixedOptions>(
              "fixed", "LUPA-SGD: average every `period` steps (after tau, 2 tau, ... and T)",
              [](const FixedOptions& o, const BuildContext&) -> SchedulePtr { return std::make_unique<FixedPeriod>(o.period); },
              [](const FixedOptions& o, const BuildContext& context) { period_at_most_steps(o.period, context, "period"); }),
          schedule<NoOptions>("one_shot", "tau = T: a single average after the last step",
                              [](const NoOptions&, const BuildContext&) -> SchedulePtr { return std::make_unique<OneShot>(); }),
          schedule<RateConstantOptions>(
              "lupa_theory",
              "fixed tau = max(1, round(c T^(2/3) / (pB)^(1/3))): the paper's O((pT)^(1/3)) rounds (Haddadpour et al. 2019)",
              [](const RateConstantOptions& o, const BuildContext& context) -> SchedulePtr {
                return std::make_unique<FixedPeriod>(lupa_theory_period(context.steps, context.workers, context.batch, o.c));
              }),
          schedule<RateConstantOptions>(
              "stich", "fixed tau = max(1, round(c sqrt(T / (pB)))): O((pT)^(1/2)) rounds (Stich, ICLR 2019)",
              [](const RateConstantOptions& o, const BuildContext& context) -> SchedulePtr {
                return std::make_unique<FixedPeriod>(stich_period(context.steps, context.workers, context.batch, o.c));
              }),
          schedule<AdaLupaLinearOptions>(
              "ada_lupa_linear",
              "ADA-LUPA, the paper's adaptive experiment: tau_i = tau0 (1 + i alpha), syncs s_i = ceil(s_{i-1} + tau_i); "
              "give alpha or rounds E (alpha = 2T / (tau0 E (E+1)))",
              [](const AdaLupaLinearOptions& o, const BuildContext& context) -> SchedulePtr {
                const auto tau0 = static_cast<double>(o.tau0);
                const double alpha = o.alpha ? *o.alpha : AdaLupaLinear::alpha_for_rounds(context.steps, tau0, *o.rounds);
                return std::make_unique<AdaLupaLinear>(tau0, alpha);
              },
              [](const AdaLupaLinearOptions& o, const BuildContext& context) {
                if (o.alpha.has_value() == o.rounds.has_value()) {
                  throw ParamRuleError("", "give exactly one of \"alpha\" and \"rounds\"");
                }
                period_at_most_steps(o.tau0, context, "tau0");
              },
              Json{{"type", "ada_lupa_linear"}, {"tau0", 91}, {"rounds", 10}}),
          schedule<AdaLupaLossOptions>(
              "ada_lupa_loss",
              "ADA-LUPA from the loss: tau_i = ceil((F(x_0) / F(x_{s_{i-1}}))^(1/3)) tau0, at the averaged model after each sync",
              [](const AdaLupaLossOptions& o, const BuildContext&) -> SchedulePtr {
                return std::make_unique<AdaLupaLoss>(o.tau0, o.use_gap);
              },
              [](const AdaLupaLossOptions& o, const BuildContext& context) { period_at_most_steps(o.tau0, context, "tau0"); }),
          schedule<AdaCommOptions>(
              "adacomm",
              "AdaComm (Wang & Joshi 2019): tau = ceil(sqrt(F(x_t) / F(x_0)) tau0), re-decided every `interval` virtual seconds",
              [](const AdaCommOptions& o, const BuildContext&) -> SchedulePtr {
                return std::make_unique<AdaComm>(o.tau0, o.interval, o.use_gap);
              },
              [](const AdaCommOptions& o, const BuildContext& context) { period_at_most_steps(o.tau0, context, "tau0"); }),
          schedule<PostLocalOptions>(
              "post_local", "post-local SGD (Lin et al., ICLR 2020): tau = 1 up to `switch_step`, then `period`",
              [](const PostLocalOptions& o, const BuildContext&) -> SchedulePtr {
                return std::make_unique<PostLocal>(o.switch_step, o.period);
              },
              [](const PostLocalOptions& o, const BuildContext& context) {
                if (o.switch_step > context.steps) {
                  throw ParamRuleError("switch_step", fmt::format("must be <= steps ({}), got {}", context.steps, o.switch_step));
                }
              }),
          schedule<ExplicitOptions>(
              "explicit", "average after each listed step (strictly increasing, within 1..T) and after T",
              [](const ExplicitOptions& o, const BuildContext&) -> SchedulePtr { return std::make_unique<ExplicitSteps>(o.steps); },
              [](const ExplicitOptions& o, const BuildContext& context) {
                const auto& steps = o.steps;
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
              }),
      }};
  return registry;
}

namespace {

// --- step sizes ------------------------------------------------------------------------------

// Every step-size rule takes an optional linear warm-up, declared last.
void warmup_field(auto& f, auto member) {
  f.integer("warmup", member).at_least(0).defaults_to(0).doc("linear warm-up steps in front of the rule (0: none)");
}

StepSizePtr with_warmup(std::int64_t warmup_steps, StepSizePtr rule) {
  return warmup_steps > 0 ? std::make_unique<LinearWarmup>(std::move(rule), warmup_steps) : std::move(rule);
}

struct ConstantStepOptions {
  double value{};
  std::int64_t warmup{};
  static void fields(auto& f) {
    f.number("value", &ConstantStepOptions::value).greater_than(0).doc("the step size");
    warmup_field(f, &ConstantStepOptions::warmup);
  }
};

struct InverseTimeOptions {
  double eta0{};
  double t0{};
  std::int64_t warmup{};
  static void fields(auto& f) {
    f.number("eta0", &InverseTimeOptions::eta0).greater_than(0).doc("initial step size");
    f.number("t0", &InverseTimeOptions::t0).greater_than(0).doc("steps until the step size has halved");
    warmup_field(f, &InverseTimeOptions::warmup);
  }
};

struct PlTheoryOptions {
  double alpha{};
  std::optional<double> mu;
  std::optional<long> tau;
  std::int64_t warmup{};
  static void fields(auto& f) {
    f.number("alpha", &PlTheoryOptions::alpha).at_least(0).defaults_to(1.0).doc("the constant alpha in a = alpha tau + 4");
    f.number("mu", &PlTheoryOptions::mu).greater_than(0).optional().doc("PL constant (default: the problem's mu)");
    f.integer("tau", &PlTheoryOptions::tau).at_least(1).optional().doc("period tau (default: the schedule's longest period)");
    warmup_field(f, &PlTheoryOptions::warmup);
  }
};

struct StepDecayOptions {
  double eta0{};
  double gamma{};
  std::int64_t every{};
  std::int64_t warmup{};
  static void fields(auto& f) {
    f.number("eta0", &StepDecayOptions::eta0).greater_than(0).doc("initial step size");
    f.number("gamma", &StepDecayOptions::gamma).greater_than(0).at_most(1).doc("factor applied every `every` steps");
    f.integer("every", &StepDecayOptions::every).at_least(1).doc("steps between decays");
    warmup_field(f, &StepDecayOptions::warmup);
  }
};

long pl_theory_period(const PlTheoryOptions& o, const BuildContext& context, const SyncSchedule& schedule) {
  if (o.tau) return *o.tau;
  if (auto longest = schedule.longest_period(context.steps)) return *longest;
  throw ParamRuleError("", "the schedule's longest period is not known before the run (it adapts to the run): "
                           "give \"tau\" explicitly");
}

template <class Options, class Build, class Check = std::nullptr_t>
TypeEntry<StepSize> step_size(std::string name, std::string help, Build build, Check check = nullptr) {
  return bound_entry<Options, StepSize>(std::move(name), std::move(help), build, check);
}

using StepSizeBuild = StepSizeNeeds::Build;
using StepSizeCheck = StepSizeNeeds::Check;

}  // namespace

const Registry<StepSize>& step_size_registry() {
  static const Registry<StepSize> registry{
      "step_size",
      "the learning rate eta_t; step t (1-based) uses eta_{t-1}; every rule takes `warmup`",
      {
          step_size<ConstantStepOptions>(
              "constant", "eta_t = value",
              [](const ConstantStepOptions& o, const BuildContext&, const StepSizeBuild&) -> StepSizePtr {
                return with_warmup(o.warmup, std::make_unique<ConstantStepSize>(o.value));
              }),
          step_size<InverseTimeOptions>(
              "inverse_time", "eta_t = eta0 / (1 + t / t0)",
              [](const InverseTimeOptions& o, const BuildContext&, const StepSizeBuild&) -> StepSizePtr {
                return with_warmup(o.warmup, std::make_unique<InverseTimeStepSize>(o.eta0, o.t0));
              }),
          step_size<PlTheoryOptions>(
              "pl_theory",
              "the paper's PL theorem: eta_t = 4 / (mu (t + a)), a = alpha tau + 4 (mu: the problem's; tau: the "
              "schedule's longest period)",
              [](const PlTheoryOptions& o, const BuildContext& context, const StepSizeBuild& needs) -> StepSizePtr {
                const double mu = o.mu ? *o.mu : needs.problem.constants().pl;
                if (!(mu > 0)) {
                  throw std::invalid_argument(
                      "step_size pl_theory: the problem's PL constant mu is 0 (not strongly convex / not PL); give "
                      "\"mu\" explicitly");
                }
                return with_warmup(o.warmup, std::make_unique<PlTheoryStepSize>(
                                                 mu, o.alpha, pl_theory_period(o, context, needs.schedule)));
              },
              [](const PlTheoryOptions& o, const BuildContext& context, const StepSizeCheck& needs) {
                pl_theory_period(o, context, needs.schedule);
              }),
          step_size<StepDecayOptions>(
              "step_decay", "eta_t = eta0 gamma^floor(t / every)",
              [](const StepDecayOptions& o, const BuildContext&, const StepSizeBuild&) -> StepSizePtr {
                return with_warmup(o.warmup, std::make_unique<StepDecayStepSize>(o.eta0, o.gamma, o.every));
              }),
      }};
  return registry;
}

namespace {

// --- optimizers ------------------------------------------------------------------------------

// Declared after the optimizer's own parameters, in this order.
void state_at_sync_field(auto& f, auto member) {
  f.choice("state_at_sync", member,
           {{"average", StateAtSync::average}, {"keep", StateAtSync::keep}, {"reset", StateAtSync::reset}})
      .defaults_to("average")
      .doc("optimizer state at a sync: averaged like the models, kept per worker, or reset to zero");
}
void weight_decay_field(auto& f, auto member) {
  f.number("weight_decay", member).at_least(0).defaults_to(0.0).doc("L2 term lambda added to the gradient: g + lambda x");
}

struct SgdOptions {
  double weight_decay{};
  static void fields(auto& f) { weight_decay_field(f, &SgdOptions::weight_decay); }
};

struct MomentumOptions {
  double beta{};
  StateAtSync state_at_sync{};
  double weight_decay{};
  static void fields(auto& f) {
    f.number("beta", &MomentumOptions::beta).at_least(0).less_than(1).defaults_to(0.9).doc("momentum coefficient");
    state_at_sync_field(f, &MomentumOptions::state_at_sync);
    weight_decay_field(f, &MomentumOptions::weight_decay);
  }
};

struct AdamOptions {
  double beta1{};
  double beta2{};
  double epsilon{};
  StateAtSync state_at_sync{};
  double weight_decay{};
  static void fields(auto& f) {
    f.number("beta1", &AdamOptions::beta1).at_least(0).less_than(1).defaults_to(0.9).doc("first-moment decay");
    f.number("beta2", &AdamOptions::beta2).at_least(0).less_than(1).defaults_to(0.999).doc("second-moment decay");
    f.number("epsilon", &AdamOptions::epsilon)
        .greater_than(0)
        .defaults_to(1e-8)
        .doc("added to sqrt(v) in the denominator");
    state_at_sync_field(f, &AdamOptions::state_at_sync);
    weight_decay_field(f, &AdamOptions::weight_decay);
  }
};

template <class Options, class Build>
TypeEntry<LocalOptimizer> optimizer(std::string name, std::string help, Build build) {
  return bound_entry<Options, LocalOptimizer>(std::move(name), std::move(help), build);
}

}  // namespace

const Registry<LocalOptimizer>& optimizer_registry() {
  static const Registry<LocalOptimizer> registry{
      "optimizer",
      "the update each worker applies to its own model between syncs",
      {
          optimizer<SgdOptions>("sgd", "x <- x - eta (g + weight_decay x)",
                                [](const SgdOptions& o, const BuildContext&) -> OptimizerPtr {
                                  return std::make_unique<Sgd>(o.weight_decay);
                                }),
          optimizer<MomentumOptions>("momentum", "heavy ball: v <- beta v + g, x <- x - eta v (beta = 0 is sgd)",
                                     [](const MomentumOptions& o, const BuildContext&) -> OptimizerPtr {
                                       return std::make_unique<Momentum>(o.beta, o.state_at_sync, o.weight_decay);
                                     }),
          optimizer<AdamOptions>("adam", "Adam (Kingma & Ba 2015) with bias correction since the state was (re)started",
                                 [](const AdamOptions& o, const BuildContext&) -> OptimizerPtr {
                                   return std::make_unique<Adam>(o.beta1, o.beta2, o.epsilon, o.state_at_sync,
                                                                 o.weight_decay);
                                 }),
      }};
  return registry;
}

}  // namespace localsgd
