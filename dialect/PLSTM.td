//===- PLSTM.td - umbrella file of the plstm dialect ----------*- tablegen -*-===//
#ifndef PLSTM_TD
#define PLSTM_TD
include "dialect/PLSTMBase.td"
include "dialect/PLSTMAttrs.td"
include "dialect/PLSTMOps.td"
#endif // PLSTM_TD
