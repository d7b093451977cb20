//===- PLSTMOps.cpp - plstm op verifiers and helpers ----------------------===//
//
// Verifiers of the scan ops. One `ShapeChecker` walks the operands and results
// of an op, each with a pattern of named dims ("B", "T", "DK", ...), binds
// every name on its first static occurrence and reports the first mismatch
// with the operand, the expected and the actual value and the rule label that
// the op's description lists (SPEC.md, "Constraint labels").
//
//===----------------------------------------------------------------------===//

#include "dialect/PLSTMDialect.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"

#include <cmath>

using namespace mlir;
using namespace mlir::plstm;

#define GET_OP_CLASSES
#include "dialect/PLSTMOps.cpp.inc"

namespace {

/// One named dim of an op's shape contract.
struct DimRule {
  /// Rule label cited when two occurrences disagree, e.g. "C-scan1d-5".
  StringRef label;
  /// Whether every occurrence must be static.
  bool mustBeStatic;
  /// Bound value (ShapedType::kDynamic while unbound).
  int64_t value = ShapedType::kDynamic;
};

/// Checks the operands/results of one op against shape patterns.
class ShapeChecker {
public:
  ShapeChecker(Operation *op, StringRef typeLabel, StringRef rankLabel,
               StringRef staticLabel)
      : op(op), typeLabel(typeLabel), rankLabel(rankLabel),
        staticLabel(staticLabel) {}

  /// Declares a named dim with its rule label.
  void dim(StringRef name, StringRef label, bool mustBeStatic,
           int64_t preset = ShapedType::kDynamic) {
    dims[name] = DimRule{label, mustBeStatic, preset};
  }

  /// Checks a float tensor (`what` is e.g. "operand #3 (source)").
  LogicalResult checkFloat(const Twine &what, Type type,
                           ArrayRef<StringRef> pattern) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor)
      return op->emitOpError()
             << what << " must be a ranked tensor of f32 or f64, got " << type
             << " (" << typeLabel << ")";
    Type elem = tensor.getElementType();
    if (!elementType) {
      if (!elem.isF32() && !elem.isF64())
        return op->emitOpError()
               << what << " has element type " << elem
               << ", expected f32 or f64 (" << typeLabel << ")";
      elementType = elem;
      elementTypeOwner = what.str();
    } else if (elem != elementType) {
      return op->emitOpError()
             << what << " has element type " << elem << ", expected "
             << elementType << " like " << elementTypeOwner << " ("
             << typeLabel << ")";
    }
    return checkShape(what, tensor, pattern, rankLabel);
  }

  /// Checks an integer [n, 2] index tensor (`scan_dag` graph operands).
  LogicalResult checkIndex(const Twine &what, Type type, StringRef countName,
                           StringRef indexLabel) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor)
      return op->emitOpError()
             << what << " must be a ranked tensor of i32 or i64, got " << type
             << " (" << indexLabel << ")";
    Type elem = tensor.getElementType();
    if (!elem.isSignlessInteger(32) && !elem.isSignlessInteger(64))
      return op->emitOpError() << what << " has element type " << elem
                               << ", expected i32 or i64 (" << indexLabel
                               << ")";
    if (tensor.getRank() != 2 || tensor.getDimSize(1) != 2)
      return op->emitOpError()
             << what << " has shape " << formatShape(tensor.getShape())
             << ", expected [" << countName << ", 2] (" << indexLabel << ")";
    StringRef pattern[] = {countName, "2"};
    return checkShape(what, tensor, pattern, indexLabel);
  }

  static std::string formatShape(ArrayRef<int64_t> shape) {
    std::string text = "[";
    for (auto [i, d] : llvm::enumerate(shape)) {
      if (i)
        text += ", ";
      text += ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
    }
    return text + "]";
  }

private:
  LogicalResult checkShape(const Twine &what, RankedTensorType tensor,
                           ArrayRef<StringRef> pattern, StringRef rankRule) {
    if (tensor.getRank() != static_cast<int64_t>(pattern.size())) {
      std::string expected = "[";
      for (auto [i, name] : llvm::enumerate(pattern))
        expected += (i ? ", " : "") + name.str();
      expected += "]";
      return op->emitOpError()
             << what << " has rank " << tensor.getRank() << ", expected "
             << pattern.size() << " " << expected << " (" << rankRule << ")";
    }
    for (auto [i, name] : llvm::enumerate(pattern)) {
      int64_t actual = tensor.getDimSize(i);
      int64_t literal;
      if (!name.getAsInteger(10, literal))
        continue; // fixed extents are checked by the caller
      DimRule &rule = dims.find(name)->second;
      if (ShapedType::isDynamic(actual)) {
        if (rule.mustBeStatic)
          return op->emitOpError()
                 << what << " has a dynamic dim " << i << " (" << name
                 << "), expected a static size (" << staticLabel << ")";
        continue;
      }
      if (ShapedType::isDynamic(rule.value)) {
        rule.value = actual;
        continue;
      }
      if (rule.value != actual)
        return op->emitOpError()
               << what << " has dim " << i << " = " << actual << ", expected "
               << name << " = " << rule.value << " (" << rule.label << ")";
    }
    return success();
  }

  Operation *op;
  StringRef typeLabel, rankLabel, staticLabel;
  llvm::StringMap<DimRule> dims;
  Type elementType;
  std::string elementTypeOwner;
};

/// "operand #3 (source)".
std::string describeOperand(unsigned index, StringRef name) {
  return ("operand #" + Twine(index) + " (" + name + ")").str();
}
std::string describeResult(unsigned index, StringRef name) {
  return ("result #" + Twine(index) + " (" + name + ")").str();
}

/// Declares the feature and J dims shared by every op.
void declareFeatureDims(ShapeChecker &checker, StringRef dk, StringRef dv,
                        StringRef jt, StringRef copies) {
  checker.dim("DK", dk, true);
  checker.dim("DV", dv, true);
  checker.dim("JT", jt, true);
  for (StringRef name : {"JK", "JV", "JQ", "JO"})
    checker.dim(name, copies, true);
}

LogicalResult verifyQkScale(Operation *op, FloatAttr scale, StringRef label) {
  if (scale && !std::isfinite(scale.getValueAsDouble()))
    return op->emitOpError() << "'qk_scale' = " << scale.getValueAsDouble()
                             << ", expected a finite value (" << label << ")";
  return success();
}

/// DK of a q operand known to be verified.
double defaultScale(Value q) {
  auto type = cast<RankedTensorType>(q.getType());
  return 1.0 / std::sqrt(static_cast<double>(
                   type.getDimSize(type.getRank() - 2)));
}

} // namespace

//===----------------------------------------------------------------------===//
// Scan1DOp
//===----------------------------------------------------------------------===//

LogicalResult Scan1DOp::verify() {
  ShapeChecker c(*this, "C-scan1d-1", "C-scan1d-2", "C-scan1d-3");
  c.dim("B", "C-scan1d-4", false);
  c.dim("T", "C-scan1d-5", false);
  declareFeatureDims(c, "C-scan1d-6", "C-scan1d-7", "C-scan1d-8",
                     "C-scan1d-9");
  struct Entry {
    StringRef name;
    SmallVector<StringRef> pattern;
  };
  Entry operands[] = {
      {"q", {"B", "T", "DK", "JQ"}},
      {"k", {"B", "T", "DK", "JK"}},
      {"v", {"B", "T", "DV", "JV"}},
      {"source", {"B", "T", "JT", "JK", "JV"}},
      {"transition", {"B", "T", "JT", "JT"}},
      {"mark", {"B", "T", "JO", "JQ", "JT"}},
      {"direct", {"B", "T", "JO", "JQ", "JK", "JV"}},
      {"initial", {"B", "DK", "DV", "JT"}},
  };
  for (auto [i, operand] : llvm::enumerate(getOperands()))
    if (failed(c.checkFloat(describeOperand(i, operands[i].name),
                            operand.getType(), operands[i].pattern)))
      return failure();
  if (failed(c.checkFloat(describeResult(0, "y"), getY().getType(),
                          {"B", "T", "DV", "JO"})) ||
      failed(c.checkFloat(describeResult(1, "last"), getLast().getType(),
                          {"B", "DK", "DV", "JT"})))
    return failure();
  return verifyQkScale(*this, getQkScaleAttr(), "C-scan1d-10");
}

double Scan1DOp::getEffectiveQkScale() {
  if (FloatAttr scale = getQkScaleAttr())
    return scale.getValueAsDouble();
  return defaultScale(getQ());
}

//===----------------------------------------------------------------------===//
// Scan2DOp
//===----------------------------------------------------------------------===//

SmallVector<int32_t> Scan2DOp::getOrientationList() {
  if (std::optional<ArrayRef<int32_t>> list = getOrientations())
    return SmallVector<int32_t>(*list);
  return {0};
}

double Scan2DOp::getEffectiveQkScale() {
  if (FloatAttr scale = getQkScaleAttr())
    return scale.getValueAsDouble();
  return defaultScale(getQ());
}

LogicalResult Scan2DOp::verify() {
  // Rule 12 first: the orientation count sizes the O axis.
  SmallVector<int32_t> orientations = getOrientationList();
  if (orientations.empty())
    return emitOpError() << "'orientations' is empty, expected a non-empty "
                            "subset of [0, 1, 2, 3] (C-scan2d-12)";
  for (auto [i, o] : llvm::enumerate(orientations)) {
    if (o < 0 || o > 3)
      return emitOpError() << "'orientations' entry " << i << " = " << o
                           << ", expected a value in [0, 3] (C-scan2d-12)";
    if (i > 0 && o <= orientations[i - 1])
      return emitOpError()
             << "'orientations' entry " << i << " = " << o
             << " follows " << orientations[i - 1]
             << ", expected a strictly increasing list (C-scan2d-12)";
  }

  ShapeChecker c(*this, "C-scan2d-1", "C-scan2d-2", "C-scan2d-3");
  c.dim("B", "C-scan2d-4", false);
  c.dim("MX", "C-scan2d-5", true);
  c.dim("MY", "C-scan2d-6", true);
  c.dim("O", "C-scan2d-11", true, static_cast<int64_t>(orientations.size()));
  declareFeatureDims(c, "C-scan2d-7", "C-scan2d-8", "C-scan2d-9",
                     "C-scan2d-10");
  SmallVector<StringRef> source = {"B", "O", "MX", "MY", "JT", "JK", "JV"};
  SmallVector<StringRef> transition = {"B", "O", "MX", "MY", "JT", "JT"};
  SmallVector<StringRef> mark = {"B", "O", "MX", "MY", "JO", "JQ", "JT"};
  struct Entry {
    StringRef name;
    Value value;
    SmallVector<StringRef> pattern;
  };
  Entry operands[] = {
      {"q", getQ(), {"B", "MX", "MY", "DK", "JQ"}},
      {"k", getK(), {"B", "MX", "MY", "DK", "JK"}},
      {"v", getV(), {"B", "MX", "MY", "DV", "JV"}},
      {"source_r", getSourceR(), source},
      {"source_d", getSourceD(), source},
      {"t_rl", getTRl(), transition},
      {"t_du", getTDu(), transition},
      {"t_dl", getTDl(), transition},
      {"t_ru", getTRu(), transition},
      {"mark_l", getMarkL(), mark},
      {"mark_u", getMarkU(), mark},
      {"direct", getDirect(), {"B", "MX", "MY", "JO", "JQ", "JK", "JV"}},
      {"init_left", getInitLeft(), {"B", "O", "MY", "DK", "DV", "JT"}},
      {"init_top", getInitTop(), {"B", "O", "MX", "DK", "DV", "JT"}},
  };
  unsigned index = 0;
  for (Entry &entry : operands) {
    if (!entry.value)
      continue; // absent optional operand
    if (failed(c.checkFloat(describeOperand(index, entry.name),
                            entry.value.getType(), entry.pattern)))
      return failure();
    ++index;
  }
  if (failed(c.checkFloat(describeResult(0, "y"), getY().getType(),
                          {"B", "MX", "MY", "DV", "JO"})) ||
      failed(c.checkFloat(describeResult(1, "last_right"),
                          getLastRight().getType(),
                          {"B", "O", "MY", "DK", "DV", "JT"})) ||
      failed(c.checkFloat(describeResult(2, "last_down"),
                          getLastDown().getType(),
                          {"B", "O", "MX", "DK", "DV", "JT"})))
    return failure();
  if (failed(verifyQkScale(*this, getQkScaleAttr(), "C-scan2d-13")))
    return failure();
  if (std::optional<ScheduleAttr> schedule = getSchedule())
    if (schedule->getKind() == ScheduleKind::Logdepth &&
        schedule->getChunk() != 0)
      return emitOpError() << "logdepth schedule of a 2D scan takes no chunk, "
                              "got chunk = "
                           << schedule->getChunk() << " (C-scan2d-14)";
  return success();
}

//===----------------------------------------------------------------------===//
// ScanDagOp
//===----------------------------------------------------------------------===//

double ScanDagOp::getEffectiveQkScale() {
  if (FloatAttr scale = getQkScaleAttr())
    return scale.getValueAsDouble();
  return defaultScale(getQ());
}

LogicalResult ScanDagOp::verify() {
  ShapeChecker c(*this, "C-dag-1", "C-dag-3", "C-dag-4");
  c.dim("B", "C-dag-5", false);
  c.dim("N", "C-dag-6", false);
  c.dim("E", "C-dag-7", false);
  c.dim("L", "C-dag-8", false);
  declareFeatureDims(c, "C-dag-9", "C-dag-10", "C-dag-11", "C-dag-12");
  if (failed(c.checkFloat(describeOperand(0, "q"), getQ().getType(),
                          {"B", "N", "DK", "JQ"})) ||
      failed(c.checkFloat(describeOperand(1, "k"), getK().getType(),
                          {"B", "N", "DK", "JK"})) ||
      failed(c.checkFloat(describeOperand(2, "v"), getV().getType(),
                          {"B", "N", "DV", "JV"})) ||
      failed(c.checkIndex(describeOperand(3, "edges"), getEdges().getType(),
                          "E", "C-dag-2")) ||
      failed(c.checkIndex(describeOperand(4, "line_edges"),
                          getLineEdges().getType(), "L", "C-dag-2")) ||
      failed(c.checkFloat(describeOperand(5, "source"), getSource().getType(),
                          {"B", "E", "JT", "JK", "JV"})) ||
      failed(c.checkFloat(describeOperand(6, "transition"),
                          getTransition().getType(),
                          {"B", "L", "JT", "JT"})) ||
      failed(c.checkFloat(describeOperand(7, "mark"), getMark().getType(),
                          {"B", "E", "JO", "JQ", "JT"})) ||
      failed(c.checkFloat(describeOperand(8, "direct"), getDirect().getType(),
                          {"B", "N", "JO", "JQ", "JK", "JV"})) ||
      failed(c.checkFloat(describeResult(0, "y"), getY().getType(),
                          {"B", "N", "DV", "JO"})))
    return failure();
  if (failed(verifyQkScale(*this, getQkScaleAttr(), "C-dag-13")))
    return failure();
  if (std::optional<ScheduleAttr> schedule = getSchedule())
    if (schedule->getKind() == ScheduleKind::Logdepth &&
        schedule->getChunk() != 0)
      return emitOpError() << "logdepth schedule of a DAG scan takes no "
                              "chunk, got chunk = "
                           << schedule->getChunk() << " (C-dag-14)";
  return success();
}
