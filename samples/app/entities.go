package app

import (
	"fmt"
	"strings"

	"github.com/godurable/durablefunctions/durable"
)

// Counter is a function-based entity: add (integer), reset, get. Operation
// names are case-insensitive.
func Counter(ctx *durable.EntityContext) error {
	value := 0
	if err := ctx.GetState(&value); err != nil {
		return err
	}
	switch strings.ToLower(ctx.OperationName()) {
	case "add":
		var amount int
		if err := ctx.GetInput(&amount); err != nil {
			return err
		}
		return ctx.SetState(value + amount)
	case "reset":
		return ctx.SetState(0)
	case "get":
		return ctx.Return(value)
	case "delete":
		ctx.DeleteState()
		return nil
	}
	return fmt.Errorf("Counter has no operation '%s' (want add, reset, get or delete)", ctx.OperationName())
}

// Account is a typed entity: its exported methods are its operations.
type Account struct {
	Balance int `json:"balance"`
}

// Deposit adds money.
func (a *Account) Deposit(amount int) error {
	if amount <= 0 {
		return fmt.Errorf("deposit must be positive, got %d", amount)
	}
	a.Balance += amount
	return nil
}

// Withdraw takes money out; it fails when funds are short.
func (a *Account) Withdraw(amount int) error {
	if amount <= 0 {
		return fmt.Errorf("withdrawal must be positive, got %d", amount)
	}
	if amount > a.Balance {
		return fmt.Errorf("insufficient funds: balance %d, withdrawal %d", a.Balance, amount)
	}
	a.Balance -= amount
	return nil
}

// GetBalance returns the balance (operation "balance" maps here too).
func (a *Account) GetBalance() int { return a.Balance }

// accountEntity maps "balance" to GetBalance and everything else to the
// typed methods.
func accountEntity() durable.EntityFunc {
	typed := durable.EntityOf[Account]()
	return func(ctx *durable.EntityContext) error {
		if strings.EqualFold(ctx.OperationName(), "balance") {
			var a Account
			if err := ctx.GetState(&a); err != nil {
				return err
			}
			return ctx.Return(a.Balance)
		}
		return typed(ctx)
	}
}
