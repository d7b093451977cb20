// Returns the initial-state argument next to the scan's results.
func.func @f(%q: tensor<?x?x2x1xf32>, %s: tensor<?x?x1x1x1xf32>, %t: tensor<?x?x1x1xf32>,
             %d: tensor<?x?x1x1x1x1xf32>, %c: tensor<?x2x2x1xf32>)
    -> (tensor<?x?x2x1xf32>, tensor<?x2x2x1xf32>, tensor<?x2x2x1xf32>) {
  %y, %last = plstm.scan1d qkv(%q, %q, %q) source(%s) transition(%t) mark(%s) direct(%d) init(%c)
      : (tensor<?x?x2x1xf32>, tensor<?x?x2x1xf32>, tensor<?x?x2x1xf32>, tensor<?x?x1x1x1xf32>,
         tensor<?x?x1x1xf32>, tensor<?x?x1x1x1xf32>, tensor<?x?x1x1x1x1xf32>, tensor<?x2x2x1xf32>)
      -> (tensor<?x?x2x1xf32>, tensor<?x2x2x1xf32>)
  return %y, %last, %c : tensor<?x?x2x1xf32>, tensor<?x2x2x1xf32>, tensor<?x2x2x1xf32>
}
