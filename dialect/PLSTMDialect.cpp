//===- PLSTMDialect.cpp - plstm dialect registration and attributes -------===//
//
// Registers the dialect's ops and attributes and implements the schedule
// attribute's parser, printer and verifier (rules C-schedule-1..3).
//
//===----------------------------------------------------------------------===//

#include "dialect/PLSTMDialect.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::plstm;

#include "dialect/PLSTMDialect.cpp.inc"
#include "dialect/PLSTMEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/PLSTMAttrs.cpp.inc"

void PLSTMDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialect/PLSTMOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialect/PLSTMAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// ScheduleAttr: #plstm.schedule<kind (, chunk = N)?>
//===----------------------------------------------------------------------===//

Attribute ScheduleAttr::parse(AsmParser &parser, Type) {
  if (parser.parseLess())
    return {};
  SMLoc kindLoc = parser.getCurrentLocation();
  StringRef keyword;
  if (parser.parseKeyword(&keyword))
    return {};
  std::optional<ScheduleKind> kind = symbolizeScheduleKind(keyword);
  if (!kind) {
    parser.emitError(kindLoc)
        << "unknown schedule kind '" << keyword
        << "', expected sequential, chunkwise or logdepth";
    return {};
  }
  int64_t chunk = 0;
  bool hasChunk = false;
  if (succeeded(parser.parseOptionalComma())) {
    SMLoc chunkLoc = parser.getCurrentLocation();
    if (parser.parseKeyword("chunk") || parser.parseEqual() ||
        parser.parseInteger(chunk))
      return {};
    hasChunk = true;
    // `chunk = 0` would read back as "no chunk": reject it here (rule 1).
    if (chunk < 1) {
      parser.emitError(chunkLoc)
          << "schedule chunk must be >= 1, got " << chunk << " (C-schedule-1)";
      return {};
    }
  }
  if (parser.parseGreater())
    return {};
  (void)hasChunk;
  return parser.getChecked<ScheduleAttr>(parser.getContext(), *kind, chunk);
}

void ScheduleAttr::print(AsmPrinter &printer) const {
  printer << "<" << stringifyScheduleKind(getKind());
  if (getChunk() != 0)
    printer << ", chunk = " << getChunk();
  printer << ">";
}

LogicalResult ScheduleAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   ScheduleKind kind, int64_t chunk) {
  if (chunk < 0)
    return emitError() << "schedule chunk must be >= 1, got " << chunk
                       << " (C-schedule-1)";
  if (chunk > kMaxScheduleChunk)
    return emitError() << "schedule chunk must be <= " << kMaxScheduleChunk
                       << ", got " << chunk << " (C-schedule-4)";
  if (kind == ScheduleKind::Sequential && chunk != 0)
    return emitError() << "sequential schedule takes no chunk, got chunk = "
                       << chunk << " (C-schedule-2)";
  if (kind == ScheduleKind::Chunkwise && chunk == 0)
    return emitError()
           << "chunkwise schedule needs a chunk size, e.g. "
              "#plstm.schedule<chunkwise, chunk = 64> (C-schedule-3)";
  return success();
}

ScheduleAttr mlir::plstm::parseScheduleSpec(MLIRContext *context,
                                            StringRef text,
                                            std::string &error) {
  auto [kindText, chunkText] = text.split(':');
  std::optional<ScheduleKind> kind = symbolizeScheduleKind(kindText);
  if (!kind) {
    error = "unknown schedule '" + text.str() +
            "', expected sequential, chunkwise:N, logdepth or logdepth:N";
    return {};
  }
  int64_t chunk = 0;
  if (text.contains(':') && (chunkText.getAsInteger(10, chunk) || chunk < 1)) {
    error = "schedule '" + text.str() +
            "' has a bad chunk size, expected an integer >= 1";
    return {};
  }
  if (chunk > kMaxScheduleChunk) {
    error = "schedule '" + text.str() +
            "': chunk must be <= " + std::to_string(kMaxScheduleChunk);
    return {};
  }
  if (*kind == ScheduleKind::Sequential && chunk != 0) {
    error = "schedule '" + text.str() + "': sequential takes no chunk size";
    return {};
  }
  if (*kind == ScheduleKind::Chunkwise && chunk == 0) {
    error = "schedule '" + text.str() +
            "': chunkwise needs a chunk size (chunkwise:N)";
    return {};
  }
  return ScheduleAttr::get(context, *kind, chunk);
}
