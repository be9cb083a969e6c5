#pragma once
// The parallel loops live in core/ (data generation uses them too); kept here for sim/'s includes.
#include "core/parallel.hpp"
