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
#include "llvm/ADT/StringSet.h"

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
      return op->emitOpError() << what << " has element type " << elem
                               << ", expected " << elementType << " like "
                               << elementTypeOwner << " (" << typeLabel << ")";
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
      return op->emitOpError()
             << what << " has element type " << elem
             << ", expected i32 or i64 (" << indexLabel << ")";
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
      if (!name.getAsInteger(10, literal)) {
        // A fixed extent (the 4 taps of a convolution, the 2 columns of a
        // graph table).
        if (!ShapedType::isDynamic(actual) && actual != literal)
          return op->emitOpError() << what << " has dim " << i << " = "
                                   << actual << ", expected " << literal
                                   << " (" << rankRule << ")";
        continue;
      }
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
/// The QK scale in effect: the attribute, or DK^-1/2 from a verified q.
double effectiveScale(FloatAttr scale, Value q) {
  if (scale)
    return scale.getValueAsDouble();
  auto type = cast<RankedTensorType>(q.getType());
  return 1.0 /
         std::sqrt(static_cast<double>(type.getDimSize(type.getRank() - 2)));
}

} // namespace

//===----------------------------------------------------------------------===//
// Shape contracts
//===----------------------------------------------------------------------===//

/// The contract entries of a layer's weights: each operand under its name,
/// with the dims of `table`. Unknown names are left out (the verifier
/// reports them, C-layer*-2).
static void appendWeights(SmallVector<ContractEntry> &entries,
                          ValueRange weights, ArrayAttr names,
                          ArrayRef<LayerWeightInfo> table) {
  for (auto [value, name] : llvm::zip(weights, names.getAsRange<StringAttr>())) {
    const LayerWeightInfo *info = llvm::find_if(
        table, [&](const LayerWeightInfo &w) { return w.name == name; });
    if (info != table.end())
      entries.push_back(ContractEntry{name.getValue(), value, false,
                                      SmallVector<StringRef>(info->dims)});
  }
}

SmallVector<ContractEntry> mlir::plstm::getShapeContract(Operation *op) {
  using Dims = SmallVector<StringRef>;
  auto operand = [](StringRef name, Value value, Dims dims) {
    return ContractEntry{name, value, false, std::move(dims)};
  };
  auto result = [](StringRef name, Value value, Dims dims) {
    return ContractEntry{name, value, true, std::move(dims)};
  };
  if (auto scan = dyn_cast<Scan1DOp>(op))
    return {
        operand("q", scan.getQ(), {"B", "T", "DK", "JQ"}),
        operand("k", scan.getK(), {"B", "T", "DK", "JK"}),
        operand("v", scan.getV(), {"B", "T", "DV", "JV"}),
        operand("source", scan.getSource(), {"B", "T", "JT", "JK", "JV"}),
        operand("transition", scan.getTransition(), {"B", "T", "JT", "JT"}),
        operand("mark", scan.getMark(), {"B", "T", "JO", "JQ", "JT"}),
        operand("direct", scan.getDirect(), {"B", "T", "JO", "JQ", "JK", "JV"}),
        operand("initial", scan.getInitial(), {"B", "DK", "DV", "JT"}),
        result("y", scan.getY(), {"B", "T", "DV", "JO"}),
        result("last", scan.getLast(), {"B", "DK", "DV", "JT"})};
  if (auto scan = dyn_cast<Scan2DOp>(op)) {
    Dims source = {"B", "O", "MX", "MY", "JT", "JK", "JV"};
    Dims transition = {"B", "O", "MX", "MY", "JT", "JT"};
    Dims mark = {"B", "O", "MX", "MY", "JO", "JQ", "JT"};
    return {operand("q", scan.getQ(), {"B", "MX", "MY", "DK", "JQ"}),
            operand("k", scan.getK(), {"B", "MX", "MY", "DK", "JK"}),
            operand("v", scan.getV(), {"B", "MX", "MY", "DV", "JV"}),
            operand("source_r", scan.getSourceR(), source),
            operand("source_d", scan.getSourceD(), source),
            operand("t_rl", scan.getTRl(), transition),
            operand("t_du", scan.getTDu(), transition),
            operand("t_dl", scan.getTDl(), transition),
            operand("t_ru", scan.getTRu(), transition),
            operand("mark_l", scan.getMarkL(), mark),
            operand("mark_u", scan.getMarkU(), mark),
            operand("direct", scan.getDirect(),
                    {"B", "MX", "MY", "JO", "JQ", "JK", "JV"}),
            operand("init_left", scan.getInitLeft(),
                    {"B", "O", "MY", "DK", "DV", "JT"}),
            operand("init_top", scan.getInitTop(),
                    {"B", "O", "MX", "DK", "DV", "JT"}),
            result("y", scan.getY(), {"B", "MX", "MY", "DV", "JO"}),
            result("last_right", scan.getLastRight(),
                   {"B", "O", "MY", "DK", "DV", "JT"}),
            result("last_down", scan.getLastDown(),
                   {"B", "O", "MX", "DK", "DV", "JT"})};
  }
  if (auto layer = dyn_cast<LayerDagOp>(op)) {
    SmallVector<ContractEntry> entries = {
        operand("x", layer.getX(), {"B", "N", "D"}),
        operand("edges", layer.getEdges(), {"E", "2"}),
        operand("line_edges", layer.getLineEdges(), {"L", "2"}),
        operand("edge_features", layer.getEdgeFeatures(), {"B", "E", "F"})};
    SmallVector<LayerWeightInfo> table =
        getLayerDagWeights(layerHasJAxes(layer));
    appendWeights(entries, layer.getWeights(), layer.getNames(), table);
    entries.push_back(result("y", layer.getY(), {"B", "N", "D"}));
    return entries;
  }
  if (auto layer = dyn_cast<Layer1DOp>(op)) {
    SmallVector<ContractEntry> entries = {
        operand("x", layer.getX(), {"B", "T", "D"})};
    SmallVector<LayerWeightInfo> table =
        getLayer1DWeights(layer.getTransitionSize());
    appendWeights(entries, layer.getWeights(), layer.getNames(), table);
    entries.push_back(result("y", layer.getY(), {"B", "T", "D"}));
    return entries;
  }
  if (auto layer = dyn_cast<Layer2DOp>(op)) {
    SmallVector<ContractEntry> entries = {
        operand("x", layer.getX(), {"B", "MX", "MY", "D"})};
    SmallVector<LayerWeightInfo> table =
        getLayer2DWeights(layer.isPMode(), layerHasJAxes(layer));
    appendWeights(entries, layer.getWeights(), layer.getNames(), table);
    entries.push_back(result("y", layer.getY(), {"B", "MX", "MY", "D"}));
    return entries;
  }
  if (auto scan = dyn_cast<ScanDagOp>(op))
    return {
        operand("q", scan.getQ(), {"B", "N", "DK", "JQ"}),
        operand("k", scan.getK(), {"B", "N", "DK", "JK"}),
        operand("v", scan.getV(), {"B", "N", "DV", "JV"}),
        operand("edges", scan.getEdges(), {"E", "2"}),
        operand("line_edges", scan.getLineEdges(), {"L", "2"}),
        operand("source", scan.getSource(), {"B", "E", "JT", "JK", "JV"}),
        operand("transition", scan.getTransition(), {"B", "L", "JT", "JT"}),
        operand("mark", scan.getMark(), {"B", "E", "JO", "JQ", "JT"}),
        operand("direct", scan.getDirect(), {"B", "N", "JO", "JQ", "JK", "JV"}),
        result("y", scan.getY(), {"B", "N", "DV", "JO"})};
  return {};
}

/// Checks every present entry of `op`'s contract with `checker`; entries in
/// `indexEntries` are [n, 2] integer tensors checked under `indexLabel`.
static LogicalResult checkContract(Operation *op, ShapeChecker &checker,
                                   StringRef indexLabel = {}) {
  unsigned operandIndex = 0;
  for (const ContractEntry &entry : getShapeContract(op)) {
    if (!entry.value)
      continue; // absent optional operand
    std::string what;
    if (entry.isResult)
      what = describeResult(cast<OpResult>(entry.value).getResultNumber(),
                            entry.name);
    else
      what = describeOperand(operandIndex++, entry.name);
    LogicalResult result =
        entry.dims.back() == "2"
            ? checker.checkIndex(what, entry.value.getType(), entry.dims[0],
                                 indexLabel)
            : checker.checkFloat(what, entry.value.getType(), entry.dims);
    if (failed(result))
      return failure();
  }
  return success();
}

/// The tiled 2D schedules hold one P×P tile's path sums G (P⁴ entries per J
/// combination) at a time: a chunkwise chunk (the tile side) is a power of
/// two of at most kMaxTileSide2D.
static LogicalResult verifyTileChunk(Operation *op,
                                     std::optional<ScheduleAttr> schedule,
                                     StringRef what, StringRef label) {
  if (!schedule || schedule->getKind() != ScheduleKind::Chunkwise)
    return success();
  int64_t chunk = schedule->getChunk();
  if (chunk > kMaxTileSide2D || (chunk & (chunk - 1)) != 0)
    return op->emitOpError()
           << "chunkwise schedule of a " << what
           << " needs a power-of-two chunk (the tile side) of at most "
           << kMaxTileSide2D << ", got chunk = " << chunk << " (" << label
           << ")";
  return success();
}

/// Rule "a logdepth schedule takes no chunk" of the 2D and DAG scans.
static LogicalResult verifyLogdepthHasNoChunk(Operation *op,
                                              std::optional<ScheduleAttr> attr,
                                              StringRef what, StringRef label) {
  if (attr && attr->getKind() == ScheduleKind::Logdepth && attr->getChunk())
    return op->emitOpError()
           << "logdepth schedule of a " << what
           << " takes no chunk, got chunk = " << attr->getChunk() << " ("
           << label << ")";
  return success();
}

/// Rule "names": one per weight, unique, exactly the weights of `table`
/// (all the required ones, any of the optional ones, nothing else).
static LogicalResult verifyWeightNames(Operation *op, ArrayAttr names,
                                       size_t numWeights,
                                       ArrayRef<LayerWeightInfo> table,
                                       StringRef what, StringRef label) {
  if (names.size() != numWeights)
    return op->emitOpError() << "'names' has " << names.size()
                             << " entries for " << numWeights
                             << " weights, expected one per weight (" << label
                             << ")";
  llvm::StringSet<> seen;
  for (auto [i, attr] : llvm::enumerate(names.getAsRange<StringAttr>())) {
    StringRef name = attr.getValue();
    if (!seen.insert(name).second)
      return op->emitOpError()
             << "weight '" << name << "' is named twice (" << label << ")";
    if (llvm::none_of(table,
                      [&](const LayerWeightInfo &w) { return w.name == name; })) {
      std::string known;
      for (const LayerWeightInfo &w : table)
        known += (known.empty() ? "" : ", ") + w.name.str();
      return op->emitOpError()
             << "weight #" << i << " is named '" << name
             << "', not a weight of a " << what << "; expected one of "
             << known << " (" << label << ")";
    }
  }
  for (const LayerWeightInfo &w : table)
    if (w.required && !seen.count(w.name))
      return op->emitOpError() << "missing weight '" << w.name << "' of a "
                               << what << " (" << label << ")";
  return success();
}

/// The gate-layer settings of a layer op (SPEC §5.1).
int64_t mlir::plstm::getLayerSubHeads(Operation *layer) {
  if (auto attr = layer->getAttrOfType<IntegerAttr>("sub_heads"))
    return attr.getInt();
  return 1;
}

int64_t mlir::plstm::getLayerGateSubHeads(Operation *layer) {
  if (auto attr = layer->getAttrOfType<IntegerAttr>("gate_sub_heads"))
    return attr.getInt();
  return 1;
}

StringRef mlir::plstm::getLayerActivation(Operation *layer, StringRef gate) {
  if (auto attr =
          layer->getAttrOfType<StringAttr>((gate + "_activation").str()))
    return attr.getValue();
  return gate == "eigenvalue" ? "tanh" : "sigmoid";
}

/// Checks `sub_heads` and `gate_sub_heads` against the input width D and
/// the head count H (read from x and w_v when they are ranked and static;
/// otherwise the contract reports them) and presets the rows of the input
/// projections in `checker`: DIN = D / sub_heads (Q/K/V), DGH = D / m for
/// the gate layers of H channels and DGO = D / m for those of O·H channels
/// (`orientations` = O, 0 without), m = min(gate_sub_heads, channels).
static LogicalResult verifySubHeads(Operation *op, Value x, Value wV,
                                    int64_t orientations,
                                    ShapeChecker &checker, StringRef label) {
  int64_t sh = getLayerSubHeads(op), g = getLayerGateSubHeads(op);
  for (auto [name, value] : {std::make_pair("sub_heads", sh),
                             std::make_pair("gate_sub_heads", g)})
    if (value < 1)
      return op->emitOpError() << "'" << name << "' = " << value
                               << ", expected a positive value (" << label
                               << ")";
  auto xType = dyn_cast<RankedTensorType>(x.getType());
  auto vType = wV ? dyn_cast<RankedTensorType>(wV.getType()) : nullptr;
  if (!xType || xType.getRank() < 1 || !vType || vType.getRank() < 2 ||
      xType.isDynamicDim(xType.getRank() - 1) || vType.isDynamicDim(1)) {
    for (StringRef name : {"DIN", "DGH", "DGO"})
      checker.dim(name, label, true);
    return success();
  }
  int64_t d = xType.getDimSize(xType.getRank() - 1), h = vType.getDimSize(1);
  if (d % sh != 0 || h % sh != 0)
    return op->emitOpError()
           << "'sub_heads' = " << sh << " does not divide "
           << (d % sh != 0 ? "the feature dim D = " : "the head count H = ")
           << (d % sh != 0 ? d : h) << " (" << label << ")";
  checker.dim("DIN", label, true, d / sh);
  auto gate = [&](int64_t channels, StringRef what,
                  StringRef dim) -> LogicalResult {
    int64_t chunks = std::min(g, channels);
    if (channels % chunks != 0 || d % chunks != 0)
      return op->emitOpError()
             << "'gate_sub_heads' = " << g << " splits the input into "
             << chunks << " chunks for the " << channels << " channels of "
             << what << ", which does not divide "
             << (channels % chunks != 0 ? "the channels" : "D = ")
             << (channels % chunks != 0 ? "" : std::to_string(d)) << " ("
             << label << ")";
    checker.dim(dim, label, true, d / chunks);
    return success();
  };
  if (failed(gate(h, "the gates of H channels", "DGH")))
    return failure();
  if (orientations > 0 &&
      failed(gate(orientations * h, "the orientation gates (O·H)", "DGO")))
    return failure();
  return success();
}

/// Every activation attribute names an activation of its kind.
static LogicalResult verifyGateLayers(Operation *op, StringRef activationLabel,
                                      bool hasEigenvalue) {
  static constexpr StringRef gateKinds[] = {"sigmoid", "tanh", "identity"};
  static constexpr StringRef eigenKinds[] = {"tanh", "logsigmoid", "expexp"};
  for (StringRef gate : {"source", "mark", "direct", "eigenvalue"}) {
    std::string name = (gate + "_activation").str();
    auto attr = op->getAttrOfType<StringAttr>(name);
    if (!attr)
      continue;
    bool eigen = gate == "eigenvalue";
    if (eigen && !hasEigenvalue)
      return op->emitOpError() << "'" << name
                               << "' is not an attribute of this layer ("
                               << activationLabel << ")";
    ArrayRef<StringRef> kinds = eigen ? ArrayRef<StringRef>(eigenKinds)
                                      : ArrayRef<StringRef>(gateKinds);
    if (!llvm::is_contained(kinds, attr.getValue())) {
      InFlightDiagnostic diag = op->emitOpError()
                                << "'" << name << "' is \"" << attr.getValue()
                                << "\", expected one of ";
      for (auto [i, kind] : llvm::enumerate(kinds))
        diag << (i ? ", " : "") << "\"" << kind << "\"";
      return diag << " (" << activationLabel << ")";
    }
  }
  return success();
}

/// The value of the weight operand named `name`, or null.
static Value weightNamed(ValueRange weights, ArrayAttr names, StringRef name) {
  for (auto [value, attr] : llvm::zip(weights, names.getAsRange<StringAttr>()))
    if (attr.getValue() == name)
      return value;
  return {};
}

//===----------------------------------------------------------------------===//
// Scan1DOp
//===----------------------------------------------------------------------===//

LogicalResult Scan1DOp::verify() {
  ShapeChecker c(*this, "C-scan1d-1", "C-scan1d-2", "C-scan1d-3");
  c.dim("B", "C-scan1d-4", false);
  c.dim("T", "C-scan1d-5", false);
  declareFeatureDims(c, "C-scan1d-6", "C-scan1d-7", "C-scan1d-8", "C-scan1d-9");
  if (failed(checkContract(*this, c)))
    return failure();
  if (auto eps = getOutputNormEpsAttr()) {
    double value = eps.getValueAsDouble();
    if (!std::isfinite(value) || value <= 0)
      return emitOpError() << "'output_norm_eps' = " << value
                           << ", expected a finite positive value "
                              "(C-scan1d-11)";
  }
  return verifyQkScale(*this, getQkScaleAttr(), "C-scan1d-10");
}

double Scan1DOp::getEffectiveQkScale() {
  return effectiveScale(getQkScaleAttr(), getQ());
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
  return effectiveScale(getQkScaleAttr(), getQ());
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
             << "'orientations' entry " << i << " = " << o << " follows "
             << orientations[i - 1]
             << ", expected a strictly increasing list (C-scan2d-12)";
  }

  ShapeChecker c(*this, "C-scan2d-1", "C-scan2d-2", "C-scan2d-3");
  c.dim("B", "C-scan2d-4", false);
  c.dim("MX", "C-scan2d-5", true);
  c.dim("MY", "C-scan2d-6", true);
  c.dim("O", "C-scan2d-11", true, static_cast<int64_t>(orientations.size()));
  declareFeatureDims(c, "C-scan2d-7", "C-scan2d-8", "C-scan2d-9",
                     "C-scan2d-10");
  if (failed(checkContract(*this, c)) ||
      failed(verifyQkScale(*this, getQkScaleAttr(), "C-scan2d-13")))
    return failure();
  if (failed(verifyLogdepthHasNoChunk(*this, getSchedule(), "2D scan",
                                      "C-scan2d-14")))
    return failure();
  // The tiled schedules hold one P×P tile's path sums G (P⁴ entries per J
  // combination) at a time.
  return verifyTileChunk(*this, getSchedule(), "2D scan", "C-scan2d-15");
}

//===----------------------------------------------------------------------===//
// ScanDagOp
//===----------------------------------------------------------------------===//

double ScanDagOp::getEffectiveQkScale() {
  return effectiveScale(getQkScaleAttr(), getQ());
}

LogicalResult ScanDagOp::verify() {
  ShapeChecker c(*this, "C-dag-1", "C-dag-3", "C-dag-4");
  c.dim("B", "C-dag-5", false);
  c.dim("N", "C-dag-6", false);
  c.dim("E", "C-dag-7", false);
  c.dim("L", "C-dag-8", false);
  declareFeatureDims(c, "C-dag-9", "C-dag-10", "C-dag-11", "C-dag-12");
  if (failed(checkContract(*this, c, "C-dag-2")) ||
      failed(verifyQkScale(*this, getQkScaleAttr(), "C-dag-13")))
    return failure();
  return verifyLogdepthHasNoChunk(*this, getSchedule(), "DAG scan", "C-dag-14");
}

//===----------------------------------------------------------------------===//
// Layer2DOp
//===----------------------------------------------------------------------===//

/// `own` followed by `j` (a weight's copy dims) when the weights carry J
/// axes.
static SmallVector<StringRef> withJDims(std::initializer_list<StringRef> own,
                                        std::initializer_list<StringRef> j,
                                        bool withJ) {
  SmallVector<StringRef> all(own);
  if (withJ)
    all.append(j);
  return all;
}

SmallVector<LayerWeightInfo> mlir::plstm::getLayer2DWeights(bool pMode,
                                                           bool withJ) {
  // With J axes: the copy dims after each weight's own dims (JT = 1 is
  // left out); without them every J dim is 1.
  auto dims = [&](std::initializer_list<StringRef> own,
                  std::initializer_list<StringRef> j) {
    return withJDims(own, j, withJ);
  };
  SmallVector<LayerWeightInfo> weights = {
      {"w_q", dims({"DIN", "H", "DK"}, {"JQ"}), true},
      {"b_q", dims({"H", "DK"}, {"JQ"}), true},
      {"w_k", dims({"DIN", "H", "DK"}, {"JK"}), true},
      {"b_k", dims({"H", "DK"}, {"JK"}), true},
      {"w_v", dims({"DIN", "H", "DV"}, {"JV"}), true},
      {"b_v", dims({"H", "DV"}, {"JV"}), true},
      {"b_direct", dims({"H"}, {"JO", "JQ", "JK", "JV"}), true},
      {"w_direct", dims({"DGH", "H"}, {"JO", "JQ", "JK", "JV"}), false},
      {"norm_scale", dims({"H", "DV"}, {"JO"}), true},
      {"w_out", withJ ? SmallVector<StringRef>{"H", "DV", "JO", "D"}
                      : SmallVector<StringRef>{"H", "DV", "D"},
       true},
      {"passthrough", {"D"}, false}};
  // A gate of the orientations: bias [O, H, J...], weight [DIN, O, H, J...]
  // with the J dims of its kind (sources JK, JV; marks JO, JQ; none for α
  // and the transitions, JT = 1).
  enum Kind { Scalar, Source, Mark };
  auto gate = [&](StringRef bias, StringRef weight, bool weightRequired,
                  Kind kind) {
    SmallVector<StringRef> j;
    if (withJ && kind == Source)
      j = {"JK", "JV"};
    if (withJ && kind == Mark)
      j = {"JO", "JQ"};
    SmallVector<StringRef> b = {"O", "H"}, w = {"DGO", "O", "H"};
    b.append(j);
    w.append(j);
    weights.push_back({bias, b, true});
    weights.push_back({weight, w, weightRequired});
  };
  if (pMode) {
    gate("b_alpha", "w_alpha", true, Scalar);
    gate("b_source", "w_source", false, Source);
    gate("b_transition", "w_transition", false, Scalar);
    gate("b_mark", "w_mark", false, Mark);
  } else {
    gate("b_source_r", "w_source_r", false, Source);
    gate("b_source_d", "w_source_d", false, Source);
    gate("b_t_rl", "w_t_rl", false, Scalar);
    gate("b_t_du", "w_t_du", false, Scalar);
    gate("b_t_turn", "w_t_turn", false, Scalar);
    gate("b_mark_l", "w_mark_l", false, Mark);
    gate("b_mark_u", "w_mark_u", false, Mark);
  }
  return weights;
}

bool mlir::plstm::layerHasJAxes(Operation *layer) {
  Value wq;
  if (auto op = dyn_cast<Layer2DOp>(layer))
    wq = op.getWeight("w_q");
  else if (auto op = dyn_cast<LayerDagOp>(layer))
    wq = op.getWeight("w_q");
  else
    return isa<Layer1DOp>(layer);
  auto type = wq ? dyn_cast<RankedTensorType>(wq.getType()) : nullptr;
  return type && type.getRank() == 4;
}

SmallVector<int32_t> Layer2DOp::getOrientationList() {
  if (auto list = getOrientationsAttr())
    return SmallVector<int32_t>(list.asArrayRef());
  return {0, 1, 2, 3};
}

Value Layer2DOp::getWeight(StringRef name) {
  return weightNamed(getWeights(), getNames(), name);
}

LogicalResult Layer2DOp::verify() {
  SmallVector<int32_t> orientations = getOrientationList();
  if (orientations.empty())
    return emitOpError() << "'orientations' is empty, expected a non-empty "
                            "subset of [0, 1, 2, 3] (C-layer2d-11)";
  for (auto [i, o] : llvm::enumerate(orientations))
    if (o < 0 || o > 3 || (i > 0 && o <= orientations[i - 1]))
      return emitOpError() << "'orientations' entry " << i << " = " << o
                           << ", expected a strictly increasing list of "
                              "values in [0, 3] (C-layer2d-11)";
  if (getMode() != "P" && getMode() != "D")
    return emitOpError() << "'mode' is \"" << getMode()
                         << "\", expected \"P\" or \"D\" (C-layer2d-12)";
  if (getChirality()) {
    if (isPMode())
      return emitOpError() << "'chirality' is a D-mode attribute, the layer "
                              "is in P-mode (C-layer2d-12)";
    if (*getChirality() != "L" && *getChirality() != "R")
      return emitOpError() << "'chirality' is \"" << *getChirality()
                           << "\", expected \"L\" or \"R\" (C-layer2d-12)";
  }
  if (getSignedPMode() && !isPMode())
    return emitOpError() << "'signed_p_mode' is a P-mode attribute, the layer "
                            "is in D-mode (C-layer2d-12)";

  SmallVector<LayerWeightInfo> table =
      getLayer2DWeights(isPMode(), layerHasJAxes(*this));
  if (failed(verifyWeightNames(*this, getNames(), getWeights().size(), table,
                               (getMode() + "-mode layer").str(),
                               "C-layer2d-2")))
    return failure();

  ShapeChecker c(*this, "C-layer2d-1", "C-layer2d-3", "C-layer2d-4");
  c.dim("B", "C-layer2d-5", false);
  c.dim("MX", "C-layer2d-6", true);
  c.dim("MY", "C-layer2d-6", true);
  c.dim("D", "C-layer2d-7", true);
  c.dim("H", "C-layer2d-8", true);
  c.dim("DK", "C-layer2d-9", true);
  c.dim("DV", "C-layer2d-10", true);
  c.dim("O", "C-layer2d-11", true, static_cast<int64_t>(orientations.size()));
  for (StringRef name : {"JQ", "JK", "JV", "JO"})
    c.dim(name, "C-layer2d-17", true);
  if (failed(verifySubHeads(*this, getX(), getWeight("w_v"),
                            static_cast<int64_t>(orientations.size()), c,
                            "C-layer2d-15")) ||
      failed(checkContract(*this, c)) ||
      failed(verifyGateLayers(*this, "C-layer2d-16", /*hasEigenvalue=*/true)))
    return failure();

  if (auto f = getEigenvalueFactor()) {
    double value = f->convertToDouble();
    if (!std::isfinite(value) || value <= 0)
      return emitOpError() << "'eigenvalue_factor' = " << value
                           << ", expected a finite positive value "
                              "(C-layer2d-13)";
  }
  if (failed(verifyQkScale(*this, getQkScaleAttr(), "C-layer2d-13")))
    return failure();
  if (failed(verifyLogdepthHasNoChunk(*this, getSchedule(), "2D layer",
                                      "C-layer2d-14")))
    return failure();
  return verifyTileChunk(*this, getSchedule(), "2D layer", "C-layer2d-14");
}

//===----------------------------------------------------------------------===//
// Layer1DOp
//===----------------------------------------------------------------------===//

SmallVector<LayerWeightInfo> mlir::plstm::getLayer1DWeights(int64_t jt) {
  SmallVector<LayerWeightInfo> weights = {
      {"w_conv", {"4", "D"}, true},
      {"b_conv", {"D"}, true},
      {"w_q", {"DIN", "H", "DK", "JQ"}, true},
      {"b_q", {"H", "DK", "JQ"}, true},
      {"w_k", {"DIN", "H", "DK", "JK"}, true},
      {"b_k", {"H", "DK", "JK"}, true},
      {"w_v", {"DIN", "H", "DV", "JV"}, true},
      {"b_v", {"H", "DV", "JV"}, true},
      {"b_source", {"H", "JT", "JK", "JV"}, true},
      {"w_source", {"DGH", "H", "JT", "JK", "JV"}, false},
      {"b_mark", {"H", "JO", "JQ", "JT"}, true},
      {"w_mark", {"DGH", "H", "JO", "JQ", "JT"}, false},
      {"b_direct", {"H", "JO", "JQ", "JK", "JV"}, true},
      {"w_direct", {"DGH", "H", "JO", "JQ", "JK", "JV"}, false},
      {"b_eigen", {"H", "JT"}, true},
      {"w_eigen", {"DGH", "H", "JT"}, false},
      {"norm_scale", {"H", "DV", "JO"}, true},
      {"w_out", {"H", "DV", "JO", "D"}, true},
      {"passthrough", {"D"}, false}};
  if (jt > 1) {
    weights.push_back({"b_in", {"H", "JT", "JT"}, true});
    weights.push_back({"w_in", {"DGH", "H", "JT", "JT"}, false});
    weights.push_back({"b_out", {"H", "JT", "JT"}, false});
    weights.push_back({"w_out_t", {"DGH", "H", "JT", "JT"}, false});
  }
  return weights;
}

Value Layer1DOp::getWeight(StringRef name) {
  return weightNamed(getWeights(), getNames(), name);
}

int64_t Layer1DOp::getTransitionSize() {
  Value eigen = getWeight("b_eigen");
  auto type = eigen ? dyn_cast<RankedTensorType>(eigen.getType())
                    : RankedTensorType();
  if (!type || type.getRank() != 2 || type.isDynamicDim(1))
    return 0;
  return type.getDimSize(1);
}

LogicalResult Layer1DOp::verify() {
  // JT decides which weights exist; b_eigen's shape is checked below with
  // the rest (a bad one then fails there).
  int64_t jt = getTransitionSize();
  SmallVector<LayerWeightInfo> table = getLayer1DWeights(jt);
  if (jt <= 1 && getWeights().size() == getNames().size())
    for (auto [i, attr] : llvm::enumerate(getNames().getAsRange<StringAttr>()))
      if (llvm::is_contained({"b_in", "w_in", "b_out", "w_out_t"},
                             attr.getValue()))
        return emitOpError() << "weight #" << i << " '" << attr.getValue()
                             << "' is a JT > 1 weight, but JT = " << jt
                             << " (b_eigen) (C-layer1d-2)";
  if (failed(verifyWeightNames(*this, getNames(), getWeights().size(), table,
                               "1D layer", "C-layer1d-2")))
    return failure();
  if (getWeight("w_out_t") && !getWeight("b_out"))
    return emitOpError() << "weight 'w_out_t' is given without 'b_out' "
                            "(C-layer1d-2)";

  ShapeChecker c(*this, "C-layer1d-1", "C-layer1d-3", "C-layer1d-4");
  c.dim("B", "C-layer1d-5", false);
  c.dim("T", "C-layer1d-5", false);
  c.dim("D", "C-layer1d-6", true);
  for (StringRef name : {"H", "DK", "DV"})
    c.dim(name, "C-layer1d-7", true);
  for (StringRef name : {"JQ", "JK", "JV", "JT", "JO"})
    c.dim(name, "C-layer1d-8", true);
  if (failed(verifySubHeads(*this, getX(), getWeight("w_v"), 0, c,
                            "C-layer1d-10")) ||
      failed(checkContract(*this, c)) ||
      failed(verifyGateLayers(*this, "C-layer1d-11", /*hasEigenvalue=*/true)))
    return failure();

  for (auto [name, attr, positive] :
       {std::make_tuple("eigenvalue_factor", getEigenvalueFactorAttr(), true),
        std::make_tuple("orthogonal_factor", getOrthogonalFactorAttr(),
                        false)}) {
    if (!attr)
      continue;
    double value = attr.getValueAsDouble();
    if (!std::isfinite(value) || (positive && value <= 0))
      return emitOpError() << "'" << name << "' = " << value
                           << ", expected a finite"
                           << (positive ? " positive" : "")
                           << " value (C-layer1d-9)";
  }
  if (failed(verifyQkScale(*this, getQkScaleAttr(), "C-layer1d-9")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// LayerDagOp
//===----------------------------------------------------------------------===//

SmallVector<LayerWeightInfo> mlir::plstm::getLayerDagWeights(bool withJ) {
  auto dims = [&](std::initializer_list<StringRef> own,
                  std::initializer_list<StringRef> j) {
    return withJDims(own, j, withJ);
  };
  return {{"w_q", dims({"DIN", "H", "DK"}, {"JQ"}), true},
          {"b_q", dims({"H", "DK"}, {"JQ"}), true},
          {"w_k", dims({"DIN", "H", "DK"}, {"JK"}), true},
          {"b_k", dims({"H", "DK"}, {"JK"}), true},
          {"w_v", dims({"DIN", "H", "DV"}, {"JV"}), true},
          {"b_v", dims({"H", "DV"}, {"JV"}), true},
          {"b_source", dims({"H"}, {"JK", "JV"}), true},
          {"w_source", dims({"DGH", "H"}, {"JK", "JV"}), false},
          {"b_mark", dims({"H"}, {"JO", "JQ"}), true},
          {"w_mark", dims({"DGH", "H"}, {"JO", "JQ"}), false},
          {"b_direct", dims({"H"}, {"JO", "JQ", "JK", "JV"}), true},
          {"w_direct", dims({"DGH", "H"}, {"JO", "JQ", "JK", "JV"}), false},
          {"b_transition", {"H"}, true},
          {"w_transition", {"DGH", "H"}, false},
          {"norm_scale", dims({"H", "DV"}, {"JO"}), true},
          {"w_out", withJ ? SmallVector<StringRef>{"H", "DV", "JO", "D"}
                          : SmallVector<StringRef>{"H", "DV", "D"},
           true},
          {"passthrough", {"D"}, false},
          {"w_source_edge", dims({"F", "H"}, {"JK", "JV"}), false},
          {"w_mark_edge", dims({"F", "H"}, {"JO", "JQ"}), false},
          {"w_transition_in", {"F", "H"}, false},
          {"w_transition_out", {"F", "H"}, false}};
}

Value LayerDagOp::getWeight(StringRef name) {
  return weightNamed(getWeights(), getNames(), name);
}

LogicalResult LayerDagOp::verify() {
  if (getMode() != "P" && getMode() != "D")
    return emitOpError() << "'mode' is \"" << getMode()
                         << "\", expected \"P\" or \"D\" (C-layerdag-9)";
  if (failed(verifyWeightNames(*this, getNames(), getWeights().size(),
                               getLayerDagWeights(layerHasJAxes(*this)),
                               "graph layer",
                               "C-layerdag-2")))
    return failure();
  ShapeChecker c(*this, "C-layerdag-1", "C-layerdag-3", "C-layerdag-4");
  c.dim("B", "C-layerdag-5", false);
  c.dim("N", "C-layerdag-5", false);
  c.dim("E", "C-layerdag-13", false);
  c.dim("L", "C-layerdag-8", false);
  c.dim("D", "C-layerdag-6", true);
  for (StringRef name : {"JQ", "JK", "JV", "JO"})
    c.dim(name, "C-layerdag-12", true);
  c.dim("F", "C-layerdag-13", true);
  bool edgeWeights = llvm::any_of(
      ArrayRef<StringRef>{"w_source_edge", "w_mark_edge", "w_transition_in",
                          "w_transition_out"},
      [&](StringRef name) { return static_cast<bool>(getWeight(name)); });
  if (edgeWeights != static_cast<bool>(getEdgeFeatures()))
    return emitOpError()
           << (edgeWeights ? "edge-feature weights are given without the "
                             "'edge_features' operand"
                           : "'edge_features' is given without any "
                             "edge-feature weight (w_source_edge, "
                             "w_mark_edge, w_transition_in, w_transition_out)")
           << " (C-layerdag-13)";
  for (StringRef name : {"H", "DK", "DV"})
    c.dim(name, "C-layerdag-7", true);
  if (failed(verifySubHeads(*this, getX(), getWeight("w_v"), 0, c,
                            "C-layerdag-10")) ||
      failed(checkContract(*this, c, "C-layerdag-8")) ||
      failed(verifyGateLayers(*this, "C-layerdag-11", /*hasEigenvalue=*/false)))
    return failure();
  return verifyQkScale(*this, getQkScaleAttr(), "C-layerdag-9");
}
