/* SPDX-License-Identifier: MIT */
/* Helpers shared by the backends. */
#include "common.h"
