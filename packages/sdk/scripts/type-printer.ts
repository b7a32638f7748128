import ts from 'typescript';

/**
 * Prints a JSON-shaped type (the server's inputs, outputs and events) as a plain TypeScript
 * type, expanding aliases from zod, tRPC and the server, and naming any part that equals one of
 * `named` (so a conversation's `lastMessage` prints as `Message`).
 */
export function createPrinter(checker: ts.TypeChecker, named: Map<string, ts.Type>) {
  const sameType = (a: ts.Type, b: ts.Type) =>
    a === b || (checker.isTypeAssignableTo(a, b) && checker.isTypeAssignableTo(b, a));

  function nameOf(type: ts.Type, self: string | undefined): string | undefined {
    if (!(type.flags & ts.TypeFlags.Object) && !(type.flags & ts.TypeFlags.Intersection)) return;
    for (const [name, candidate] of named) {
      if (name !== self && !(candidate.flags & ts.TypeFlags.Union) && sameType(type, candidate)) {
        return name;
      }
    }
  }

  function printUnion(types: readonly ts.Type[], indent: string, depth: number): string {
    const hasTrue = types.some((t) => t.flags & ts.TypeFlags.BooleanLiteral && isTrue(t));
    const hasFalse = types.some((t) => t.flags & ts.TypeFlags.BooleanLiteral && !isTrue(t));
    const parts: string[] = [];
    let booleanPrinted = false;
    for (const t of types) {
      if (t.flags & ts.TypeFlags.BooleanLiteral && hasTrue && hasFalse) {
        if (!booleanPrinted) parts.push('boolean');
        booleanPrinted = true;
        continue;
      }
      parts.push(print(t, indent, undefined, depth + 1));
    }
    // null and undefined last, as people write them.
    const rank = (s: string) => (s === 'undefined' ? 2 : s === 'null' ? 1 : 0);
    return [...new Set(parts)].sort((a, b) => rank(a) - rank(b)).join(' | ');
  }

  const isTrue = (t: ts.Type) => checker.typeToString(t) === 'true';

  function printObject(type: ts.Type, indent: string, depth: number): string {
    if (checker.isArrayType(type)) {
      const [element] = checker.getTypeArguments(type as ts.TypeReference);
      const inner = print(element!, indent, undefined, depth + 1);
      return /[|&]/.test(inner) && !inner.startsWith('{') ? `(${inner})[]` : `${inner}[]`;
    }
    if (type.getCallSignatures().length > 0) {
      throw new Error(`functions are not JSON: ${checker.typeToString(type)}`);
    }
    const inner = `${indent}  `;
    const lines: string[] = [];
    for (const prop of checker.getPropertiesOfType(type)) {
      const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
      const propType = checker.getTypeOfSymbol(prop);
      const doc = ts.displayPartsToString(prop.getDocumentationComment(checker));
      if (doc) lines.push(`${inner}/** ${doc} */`);
      const key = /^[A-Za-z_$][\w$]*$/.test(prop.name) ? prop.name : JSON.stringify(prop.name);
      // `?:` already admits undefined; print the rest of the union.
      const printed =
        optional && propType.isUnion()
          ? printUnion(
              propType.types.filter((t) => !(t.flags & ts.TypeFlags.Undefined)),
              inner,
              depth,
            )
          : print(propType, inner, undefined, depth + 1);
      lines.push(`${inner}${key}${optional ? '?' : ''}: ${printed};`);
    }
    const index = checker.getIndexInfosOfType(type);
    for (const info of index) {
      lines.push(
        `${inner}[key: ${checker.typeToString(info.keyType)}]: ${print(info.type, inner, undefined, depth + 1)};`,
      );
    }
    return lines.length === 0 ? '{}' : `{\n${lines.join('\n')}\n${indent}}`;
  }

  function print(type: ts.Type, indent: string, self?: string, depth = 0): string {
    if (depth > 30) throw new Error(`type too deep: ${checker.typeToString(type)}`);
    const f = type.flags;
    if (f & ts.TypeFlags.String) return 'string';
    if (f & ts.TypeFlags.Number) return 'number';
    if (f & ts.TypeFlags.Boolean) return 'boolean';
    if (f & ts.TypeFlags.Null) return 'null';
    if (f & ts.TypeFlags.Undefined) return 'undefined';
    if (f & ts.TypeFlags.Void) return 'void';
    if (f & ts.TypeFlags.Never) return 'never';
    if (f & (ts.TypeFlags.Unknown | ts.TypeFlags.Any)) return 'unknown';
    if (f & ts.TypeFlags.BooleanLiteral) return checker.typeToString(type);
    if (type.isStringLiteral()) return JSON.stringify(type.value);
    if (type.isNumberLiteral()) return String(type.value);
    if (type.isUnion()) return printUnion(type.types, indent, depth);
    const name = nameOf(type, self);
    if (name) return name;
    if (f & (ts.TypeFlags.Object | ts.TypeFlags.Intersection))
      return printObject(type, indent, depth);
    throw new Error(`cannot print ${checker.typeToString(type)}`);
  }

  return { print };
}
