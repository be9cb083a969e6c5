// Clock models (`clock.compute.type`, `clock.network.type`).
#include "experiments/catalog.hpp"

namespace localsgd {

const Registry<ComputeModel>& compute_registry() {
  static const Registry<ComputeModel> registry{
      "compute",
      "virtual seconds one local step takes on a worker",
      {
          {"constant", "every step takes `seconds`",
           {ParamSpec::number("seconds", "seconds per local step").at_least(0).defaults_to(0.01)},
           [](const Params& p, const BuildContext&) -> std::unique_ptr<ComputeModel> {
             return std::make_unique<ConstantCompute>(p.number("seconds"));
           }},
      }};
  return registry;
}

const Registry<NetworkModel>& network_registry() {
  static const Registry<NetworkModel> registry{
      "network",
      "virtual seconds one average (all-reduce of d values among p workers) takes",
      {
          {"constant", "every average takes `seconds`",
           {ParamSpec::number("seconds", "seconds per average").at_least(0).defaults_to(0.0)},
           [](const Params& p, const BuildContext&) -> std::unique_ptr<NetworkModel> {
             return std::make_unique<ConstantNetwork>(p.number("seconds"));
           }},
          {"ring", "ring all-reduce: 2(p-1) latency + 2((p-1)/p) d bytes_per_value / bandwidth",
           {ParamSpec::number("latency", "seconds per message (alpha)").at_least(0).defaults_to(5e-5),
            ParamSpec::number("bandwidth", "bytes per second of one link (beta)").above(0).defaults_to(1.25e9),
            ParamSpec::number("bytes_per_value", "bytes sent per model coordinate").above(0).defaults_to(8)},
           [](const Params& p, const BuildContext&) -> std::unique_ptr<NetworkModel> {
             return std::make_unique<RingAllReduce>(p.number("latency"), p.number("bandwidth"),
                                                    p.number("bytes_per_value"));
           }},
      }};
  return registry;
}

}  // namespace localsgd
