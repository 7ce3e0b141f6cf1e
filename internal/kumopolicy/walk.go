package kumopolicy

import "github.com/yuin/gopher-lua/ast"

// inspect calls fn for every statement and expression under stmts, in
// source order. fn returning false skips a node's children. Function
// bodies are entered only when intoFuncs is set.
func inspect(stmts []ast.Stmt, intoFuncs bool, fn func(n any) bool) {
	w := walker{intoFuncs: intoFuncs, fn: fn}
	w.stmts(stmts)
}

type walker struct {
	intoFuncs bool
	fn        func(n any) bool
}

func (w walker) stmts(ss []ast.Stmt) {
	for _, s := range ss {
		w.stmt(s)
	}
}

func (w walker) exprs(es []ast.Expr) {
	for _, e := range es {
		w.expr(e)
	}
}

func (w walker) stmt(s ast.Stmt) {
	if s == nil || !w.fn(s) {
		return
	}
	switch s := s.(type) {
	case *ast.AssignStmt:
		w.exprs(s.Lhs)
		w.exprs(s.Rhs)
	case *ast.LocalAssignStmt:
		w.exprs(s.Exprs)
	case *ast.FuncCallStmt:
		w.expr(s.Expr)
	case *ast.DoBlockStmt:
		w.stmts(s.Stmts)
	case *ast.WhileStmt:
		w.expr(s.Condition)
		w.stmts(s.Stmts)
	case *ast.RepeatStmt:
		w.stmts(s.Stmts)
		w.expr(s.Condition)
	case *ast.IfStmt:
		w.expr(s.Condition)
		w.stmts(s.Then)
		w.stmts(s.Else)
	case *ast.NumberForStmt:
		w.expr(s.Init)
		w.expr(s.Limit)
		w.expr(s.Step)
		w.stmts(s.Stmts)
	case *ast.GenericForStmt:
		w.exprs(s.Exprs)
		w.stmts(s.Stmts)
	case *ast.FuncDefStmt:
		w.expr(s.Func)
	case *ast.ReturnStmt:
		w.exprs(s.Exprs)
	}
}

func (w walker) expr(e ast.Expr) {
	if e == nil || !w.fn(e) {
		return
	}
	switch e := e.(type) {
	case *ast.AttrGetExpr:
		w.expr(e.Object)
		w.expr(e.Key)
	case *ast.TableExpr:
		for _, f := range e.Fields {
			w.expr(f.Key)
			w.expr(f.Value)
		}
	case *ast.FuncCallExpr:
		w.expr(e.Func)
		w.expr(e.Receiver)
		w.exprs(e.Args)
	case *ast.LogicalOpExpr:
		w.expr(e.Lhs)
		w.expr(e.Rhs)
	case *ast.RelationalOpExpr:
		w.expr(e.Lhs)
		w.expr(e.Rhs)
	case *ast.StringConcatOpExpr:
		w.expr(e.Lhs)
		w.expr(e.Rhs)
	case *ast.ArithmeticOpExpr:
		w.expr(e.Lhs)
		w.expr(e.Rhs)
	case *ast.UnaryMinusOpExpr:
		w.expr(e.Expr)
	case *ast.UnaryNotOpExpr:
		w.expr(e.Expr)
	case *ast.UnaryLenOpExpr:
		w.expr(e.Expr)
	case *ast.FunctionExpr:
		if w.intoFuncs {
			w.stmts(e.Stmts)
		}
	}
}

// stringArg returns call argument i when it is a string literal.
func stringArg(c *ast.FuncCallExpr, i int) (string, bool) {
	if i >= len(c.Args) {
		return "", false
	}
	s, ok := c.Args[i].(*ast.StringExpr)
	if !ok {
		return "", false
	}
	return s.Value, true
}

// field reports whether e is obj.name (or obj['name']) with obj an
// identifier in objs; it returns the identifier.
func field(e ast.Expr, objs map[string]bool, name string) (string, bool) {
	a, ok := e.(*ast.AttrGetExpr)
	if !ok {
		return "", false
	}
	id, ok := a.Object.(*ast.IdentExpr)
	if !ok || !objs[id.Value] {
		return "", false
	}
	k, ok := a.Key.(*ast.StringExpr)
	if !ok || k.Value != name {
		return "", false
	}
	return id.Value, true
}

// isRequire returns the module name of `require 'name'`.
func isRequire(e ast.Expr) (string, bool) {
	c, ok := e.(*ast.FuncCallExpr)
	if !ok || c.Receiver != nil {
		return "", false
	}
	id, ok := c.Func.(*ast.IdentExpr)
	if !ok || id.Value != "require" {
		return "", false
	}
	return stringArg(c, 0)
}
