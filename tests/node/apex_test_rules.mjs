// Static checks of Apex test code that the compiler accepts but a test run in an org fails:
//
// 1. MIXED_DML_OPERATION. DML on a setup object (User, PermissionSetAssignment, Group, ...) and on
//    any other object must not share a transaction; in tests the way out is System.runAs, whose
//    block is a context of its own. So in every context (a test method's body outside runAs blocks,
//    and each runAs block) DML must be all setup or all non-setup. DML done by called methods of the
//    project counts where the call is (the argument of System.runAs(...) runs outside its block).
// 2. Limits read across Test.startTest()/Test.stopTest(): stopTest restores the counters of before
//    startTest, so a difference of two Limits reads taken on either side of a boundary is garbage.
//
// The analysis walks the @apexdevtools/apex-parser tree; types of DML operands come from
// declarations (locals, parameters, fields, for variables), `new`, casts, SOQL and method return
// types. A DML operand whose sObject type cannot be told is reported too, so nothing escapes.
import { ApexParserFactory, ApexErrorListener } from '@apexdevtools/apex-parser';

// Setup objects from the Apex Developer Guide ("sObjects That Cannot Be Used Together in DML
// Operations"), lower case.
export const SETUP_OBJECTS = new Set(
  [
    'User', 'UserRole', 'UserTerritory', 'Territory', 'Territory2', 'UserTerritory2Association', 'Group', 'GroupMember',
    'QueueSobject', 'PermissionSet', 'PermissionSetAssignment', 'PermissionSetGroup', 'PermissionSetGroupComponent',
    'MutingPermissionSet', 'PermissionSetLicenseAssign', 'ObjectPermissions', 'FieldPermissions', 'SetupEntityAccess',
    'UserPackageLicense', 'ForecastingShare', 'CustomPermission',
  ].map((s) => s.toLowerCase()),
);
const DATABASE_DML = new Set(['insert', 'update', 'upsert', 'delete', 'undelete', 'merge', 'insertasync', 'updateasync', 'deleteasync']);
const DML_STATEMENTS = {
  InsertStatementContext: 'insert',
  UpdateStatementContext: 'update',
  UpsertStatementContext: 'upsert',
  DeleteStatementContext: 'delete',
  UndeleteStatementContext: 'undelete',
  MergeStatementContext: 'merge',
};

class SilentListener extends ApexErrorListener {
  apexSyntaxError() {}
}

const kind = (n) => n?.constructor?.name;
const kids = (n) => n?.children || [];
const child = (n, k) => kids(n).find((c) => kind(c) === k);
const walk = (n, visit) => {
  if (visit(n) === false) return;
  for (const c of kids(n)) walk(c, visit);
};
const lower = (s) => (s || '').toLowerCase();

// List<User> -> user, Account[] -> account, Map<Id, Lead> -> lead.
export function elementType(type) {
  if (!type) return null;
  let t = type.replace(/\s+/g, '');
  for (;;) {
    let m;
    if ((m = t.match(/^(?:List|Set)<(.+)>$/i))) t = m[1];
    else if ((m = t.match(/^Map<[^,]+,(.+)>$/i))) t = m[1];
    else if (t.endsWith('[]')) t = t.slice(0, -2);
    else break;
  }
  return lower(t.replace(/^Schema\./i, ''));
}

function isAnnotated(modifiers, name) {
  return modifiers.some((m) => kind(kids(m)[0]) === 'AnnotationContext' && lower(m.getText()).startsWith(`@${name}`));
}

// { className -> { isTest, fields: Map, methods: Map(lower name -> [method]) } }
export function parseClasses(sources) {
  const classes = new Map();
  for (const [file, source] of sources) {
    const { parser } = ApexParserFactory.createLexerAndParser(source, new SilentListener());
    const unit = parser.compilationUnit();
    const typeDecl = child(unit, 'TypeDeclarationContext');
    const classDecl = child(typeDecl, 'ClassDeclarationContext');
    if (!classDecl) continue;
    const name = child(classDecl, 'IdContext').getText();
    const info = {
      name,
      file,
      isTest: isAnnotated(kids(typeDecl).filter((k) => kind(k) === 'ModifierContext'), 'istest'),
      fields: new Map(),
      methods: new Map(),
    };
    for (const decl of kids(child(classDecl, 'ClassBodyContext')).filter((k) => kind(k) === 'ClassBodyDeclarationContext')) {
      const modifiers = kids(decl).filter((k) => kind(k) === 'ModifierContext');
      const member = kids(child(decl, 'MemberDeclarationContext'))[0];
      if (kind(member) === 'FieldDeclarationContext') {
        const type = child(member, 'TypeRefContext').getText();
        walk(child(member, 'VariableDeclaratorsContext'), (n) => {
          if (kind(n) === 'VariableDeclaratorContext') info.fields.set(lower(child(n, 'IdContext').getText()), type);
        });
      } else if (kind(member) === 'MethodDeclarationContext') {
        const method = {
          owner: name,
          name: child(member, 'IdContext').getText(),
          returnType: child(member, 'TypeRefContext')?.getText() || 'void',
          isTest: isAnnotated(modifiers, 'istest') || modifiers.some((m) => lower(m.getText()) === 'testmethod'),
          params: new Map(),
          body: child(member, 'BlockContext'),
        };
        walk(child(member, 'FormalParametersContext'), (n) => {
          if (kind(n) === 'FormalParameterContext') method.params.set(lower(child(n, 'IdContext').getText()), child(n, 'TypeRefContext').getText());
        });
        const key = lower(method.name);
        if (!info.methods.has(key)) info.methods.set(key, []);
        info.methods.get(key).push(method);
      }
    }
    classes.set(lower(name), info);
  }
  return classes;
}

// Every local, loop variable and parameter of a method, with the class's fields beneath them.
function scopeOf(method, cls) {
  const scope = new Map([...cls.fields, ...method.params]);
  walk(method.body, (n) => {
    if (kind(n) === 'LocalVariableDeclarationContext') {
      const type = child(n, 'TypeRefContext').getText();
      walk(child(n, 'VariableDeclaratorsContext'), (d) => {
        if (kind(d) === 'VariableDeclaratorContext') scope.set(lower(child(d, 'IdContext').getText()), type);
      });
    } else if (kind(n) === 'EnhancedForControlContext') {
      scope.set(lower(child(n, 'IdContext').getText()), child(n, 'TypeRefContext').getText());
    }
  });
  return scope;
}

class Analyser {
  constructor(classes) {
    this.classes = classes;
    this.memo = new Map();
    this.problems = [];
  }

  // The project method a call names: Class.method(...) or method(...) in the current class.
  callee(node, cls) {
    if (kind(node) === 'MethodCallExpressionContext') {
      const call = child(node, 'MethodCallContext');
      const id = child(call, 'IdContext');
      return id ? cls.methods.get(lower(id.getText())) : null;
    }
    if (kind(node) === 'DotExpressionContext') {
      const call = child(node, 'DotMethodCallContext');
      const receiver = kids(node)[0];
      if (!call || kind(receiver) !== 'PrimaryExpressionContext' || kind(kids(receiver)[0]) !== 'IdPrimaryContext') return null;
      const target = this.classes.get(lower(receiver.getText()));
      return target ? target.methods.get(lower(child(call, 'AnyIdContext').getText())) : null;
    }
    return null;
  }

  typeOf(node, scope, cls) {
    switch (kind(node)) {
      case 'NewExpressionContext':
        return child(child(node, 'CreatorContext'), 'CreatedNameContext').getText();
      case 'CastExpressionContext':
        return child(node, 'TypeRefContext').getText();
      case 'SubExpressionContext':
        return this.typeOf(kids(node).find((k) => kind(k)?.endsWith('ExpressionContext')), scope, cls);
      case 'ArrayExpressionContext':
        return elementType(this.typeOf(kids(node)[0], scope, cls));
      case 'PrimaryExpressionContext': {
        const primary = kids(node)[0];
        if (kind(primary) === 'IdPrimaryContext') return scope.get(lower(primary.getText())) || null;
        if (kind(primary) === 'SoqlPrimaryContext') {
          let from = null;
          walk(primary, (n) => {
            if (!from && kind(n) === 'FromNameListContext') from = kids(n)[0].getText();
          });
          return from;
        }
        return null;
      }
      case 'MethodCallExpressionContext':
      case 'DotExpressionContext': {
        const methods = this.callee(node, cls);
        return methods ? methods[0].returnType : null;
      }
      default:
        return null;
    }
  }

  // Adds a DML of the given sObject type to a context, or reports an operand it cannot type.
  dml(context, type, where, text) {
    const object = elementType(type);
    if (!object || ['sobject', 'object'].includes(object)) {
      this.problems.push(`${where}: cannot tell the sObject type of the DML operand ${text}`);
      return;
    }
    const group = SETUP_OBJECTS.has(object) ? 'setup' : 'nonSetup';
    context[group].push(`${object}${context.via}`);
  }

  // Top-level DML of a method: { setup: [...], nonSetup: [...] }; runAs blocks inside are checked here.
  effects(method) {
    const key = `${method.owner}.${method.name}`;
    if (this.memo.has(key)) return this.memo.get(key);
    const top = { setup: [], nonSetup: [], via: '' };
    this.memo.set(key, top); // recursion sees what is known so far
    if (method.body) {
      const cls = this.classes.get(lower(method.owner));
      this.walkContext(method.body, top, scopeOf(method, cls), cls, key);
    }
    return top;
  }

  walkContext(node, context, scope, cls, where) {
    walk(node, (n) => {
      const k = kind(n);
      if (k === 'RunAsStatementContext') {
        this.walkContext(child(n, 'ExpressionListContext'), context, scope, cls, where);
        const inner = { setup: [], nonSetup: [], via: '' };
        this.walkContext(child(n, 'BlockContext'), inner, scope, cls, where);
        this.checkContext(inner, `${where} (inside System.runAs)`);
        return false;
      }
      if (DML_STATEMENTS[k]) {
        const operand = kids(n).find((c) => kind(c)?.endsWith('ExpressionContext'));
        this.dml(context, this.typeOf(operand, scope, cls), where, operand.getText());
        return undefined;
      }
      if (k === 'DotExpressionContext') {
        const call = child(n, 'DotMethodCallContext');
        const receiver = lower(kids(n)[0].getText());
        const method = call && lower(child(call, 'AnyIdContext').getText());
        if (receiver === 'database' && method === 'convertlead') this.dml(context, 'Lead', where, n.getText());
        if (receiver === 'database' && DATABASE_DML.has(method)) {
          const first = kids(child(call, 'ExpressionListContext'))[0];
          this.dml(context, this.typeOf(first, scope, cls), where, first.getText());
        }
      }
      const methods = this.callee(n, cls);
      if (methods) {
        for (const m of methods) {
          const effects = this.effects(m);
          const via = ` via ${m.owner}.${m.name}`;
          context.setup.push(...effects.setup.map((e) => e + via));
          context.nonSetup.push(...effects.nonSetup.map((e) => e + via));
        }
      }
      return undefined;
    });
  }

  checkContext(context, where) {
    if (context.setup.length && context.nonSetup.length) {
      this.problems.push(
        `${where}: MIXED_DML_OPERATION: setup DML (${[...new Set(context.setup)].join(', ')}) and non-setup DML (${[
          ...new Set(context.nonSetup),
        ].join(', ')}) in one context (give one side its own System.runAs)`,
      );
    }
  }

  // Limits reads on different sides of Test.startTest()/Test.stopTest() combined in one statement.
  checkLimits(method) {
    const where = `${method.owner}.${method.name}`;
    let segment = 0;
    const tagged = new Map(); // variable -> Set of segments its Limits-derived value comes from
    const leafStatements = [];
    walk(method.body, (n) => {
      if (kind(n) !== 'StatementContext') return undefined;
      let nested = false;
      walk(n, (d) => {
        if (d !== n && kind(d) === 'StatementContext') nested = true;
        return !nested;
      });
      if (!nested) leafStatements.push(n);
      return undefined;
    });
    for (const statement of leafStatements) {
      const tags = new Set();
      let boundary = false;
      walk(statement, (n) => {
        if (kind(n) === 'DotExpressionContext') {
          const receiver = lower(kids(n)[0].getText());
          const call = child(n, 'DotMethodCallContext');
          const name = call && lower(child(call, 'AnyIdContext').getText());
          if (receiver === 'limits' && call) tags.add(segment);
          if (receiver === 'test' && (name === 'starttest' || name === 'stoptest')) boundary = true;
        }
        if (kind(n) === 'IdPrimaryContext' && tagged.has(lower(n.getText()))) {
          for (const t of tagged.get(lower(n.getText()))) tags.add(t);
        }
      });
      if (tags.size > 1) {
        this.problems.push(`${where}: reads Limits across Test.startTest()/Test.stopTest(), which reset the counters: ${statement.getText()}`);
      }
      if (tags.size) {
        let target = null;
        walk(statement, (n) => {
          if (target) return false;
          if (kind(n) === 'VariableDeclaratorContext') target = child(n, 'IdContext').getText();
          else if (kind(n) === 'AssignExpressionContext') target = kids(n)[0].getText();
          return undefined;
        });
        if (target) tagged.set(lower(target), tags);
      }
      if (boundary) segment++;
    }
  }
}

// Problems ("Class.method: ...") of the test classes among sources (Map file -> source); other
// classes are analysed for the DML they do when tests call them.
export function testClassProblems(sources) {
  const classes = parseClasses(sources);
  const analyser = new Analyser(classes);
  for (const cls of classes.values()) {
    for (const methods of cls.methods.values()) {
      for (const method of methods) {
        const effects = analyser.effects(method);
        if (cls.isTest && method.isTest) {
          analyser.checkContext(effects, `${method.owner}.${method.name}`);
          analyser.checkLimits(method);
        }
      }
    }
  }
  return [...new Set(analyser.problems)].sort();
}
