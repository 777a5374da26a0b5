import { z } from 'zod';
import { Id, IsoTime, page } from './common.schema.ts';

export const Role = z.enum(['ADMIN', 'TEACHER', 'STUDENT']);
export type Role = z.infer<typeof Role>;

export const User = z.object({
  id: Id,
  email: z.string(),
  displayName: z.string(),
  role: Role,
  mustChangePassword: z.boolean(),
  isActive: z.boolean(),
  createdAt: IsoTime,
});
export type User = z.infer<typeof User>;
/** GET /users: a user, with the class of the roster entry of a student account */
export const UserListItem = User.extend({ className: z.string().nullable() });
export type UserListItem = z.infer<typeof UserListItem>;

export const Email = z.string().trim().toLowerCase().pipe(z.email()).pipe(z.string().max(254));
export const Password = z.string().min(10, 'at least 10 characters').max(256);

export const LoginBody = z.object({ email: z.string().trim().toLowerCase().max(254), password: z.string().max(256) });
/** login, me, POST/PATCH /users */
export const UserResponse = z.object({ user: User });
export type UserResponse = z.infer<typeof UserResponse>;
/** GET /users */
export const UserPage = page(UserListItem);
export type UserPage = z.infer<typeof UserPage>;
export const ChangePasswordBody = z.object({ currentPassword: z.string().max(256), newPassword: Password });
export const CreateUserBody = z.object({
  email: Email,
  displayName: z.string().trim().min(1).max(200),
  role: Role,
  password: Password,
});
export const UpdateUserBody = z.object({
  displayName: z.string().trim().min(1).max(200).optional(),
  isActive: z.boolean().optional(),
});
