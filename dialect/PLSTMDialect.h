//===- PLSTMDialect.h - the plstm dialect ---------------------------------===//
//
// Declares the `plstm` dialect, its attributes and its ops. Include this one
// header to use the dialect.
//
//===----------------------------------------------------------------------===//

#ifndef PLSTM_DIALECT_PLSTMDIALECT_H
#define PLSTM_DIALECT_PLSTMDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialect/PLSTMDialect.h.inc"
#include "dialect/PLSTMEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/PLSTMAttrs.h.inc"

#define GET_OP_CLASSES
#include "dialect/PLSTMOps.h.inc"

#endif // PLSTM_DIALECT_PLSTMDIALECT_H
